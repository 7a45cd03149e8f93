"""Page metadata from the parsed tree: JSON-LD, OpenGraph/Twitter/Dublin Core meta, <time>, bylines.

Everything here reads the tree without modifying it and must be called BEFORE readability runs
(readability's cleaner copy drops <script> elements, and with them JSON-LD).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .blocks import collapse_whitespace
from .dates import (
    _MONTH_ALTERNATION,
    FoundDate,
    normalize_for_dates,
    parse_machine_date,
    parse_published_text_date,
    parse_text_date,
)

ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "blogposting",
        "liveblogposting", "socialmediaposting", "scholarlyarticle", "techarticle", "report",
        "medicalwebpage", "howto", "recipe",
    }
)
ACCESS_FREE = "free"
ACCESS_PAYWALLED = "paywalled"
ACCESS_UNKNOWN = "unknown"
ACCESS_VALUES = (ACCESS_FREE, ACCESS_PAYWALLED, ACCESS_UNKNOWN)
# Tags longer than this are sentences, not tags; pages with more than MAX_TAGS are keyword-stuffed.
MAX_TAG_CHARS = 80
MAX_TAGS = 30

LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage", "website"})

_JSON_TRAILING_COMMA_RE = re.compile(r",\s*([\]}])")
# Arabic: "written by" (بقلم, كتب/كتبه/كتبت), "prepared by", "interviewed by", "source", "by".
# The colon may touch the name ("بقلم:محمد").
_BYLINE_PREFIX_RE = re.compile(
    r"^\s*(?:by|par|por|بقلم|كتب|كتبه|كتبت|إعداد|اعداد|حاوره|حاورته|حاورها|المصدر|بواسطة|written by|"
    r"écrit par|escrito por|posted by|publié par|publicado por)(?:\s*:\s*|\s*[\-–]\s+|\s+)",
    re.IGNORECASE,
)
# Relative times, numeric dates, "published" and separators that bylines carry after the name.
_BYLINE_TAIL_RE = re.compile(
    r"\s*(?:[-–—|•·,]\s*)?(?:\d{1,2}\s*(?:h|min|mins|hours?|days?)\b|\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}"
    r"|updated\b|published\b|(?<!\w)(?:publié|mis à jour|publicado|actualizado|نشر في|آخر تحديث)"
    r"|(?<=\s)[-–—|•·]\s).*$",
    re.IGNORECASE,
)
# A written date after the name, on normalize_for_dates() text, in the four languages:
# "24 novembre 2026", "le mardi 3 févr.", "الثلاثاء 24 نونبر", "Dec 22". Digits may be glued to
# the name ("Lucas Nolan22 Dec 2016"); a month word must stand alone ("Bruno Mars" stays).
_AUTHOR_WEEKDAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi|jeudi|vendredi|"
    "samedi|dimanche|lunes|martes|miercoles|jueves|viernes|sabado|domingo|"
    "الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعه|السبت|الاحد"
)
_AUTHOR_DATE_RE = re.compile(
    r"(?:(?<![^\W\d_])(?:le|el|on|du|del|في|يوم)\s+)?"
    rf"(?:(?<![^\W\d_])(?:{_AUTHOR_WEEKDAYS}),?\s+)?"
    rf"(?:\d{{1,2}}(?:er|st|nd|rd|th|º|°)?\.?\s*(?:de\s+)?(?:{_MONTH_ALTERNATION})(?![^\W\d_])"
    rf"|(?<![^\W\d_])(?:{_MONTH_ALTERNATION})\.?\s+\d{{1,2}}(?!\d))"
)
# A number standing alone ("Karim Alaoui 2026", "12 commentaires", "10h30"): not a name. One inside
# a word is part of an outlet's name ("Le360", "Médias24", "2M", "H24info"), and so is a short one
# after a single word ("Médias 24", "اليوم 24").
_AUTHOR_NUMBER_RE = re.compile(r"(?<!\w)\d+(?:[:/.h]\d+)*(?!\w)")
_AUTHOR_OUTLET_NUMBER_RE = re.compile(r"^[^\W\d_]+ \d{1,3}$")
# Academic/professional suffixes that a comma split leaves on their own ("Jane Doe, MD").
_DEGREE_RE = re.compile(r"^(?:[A-Z]{2,3}|Ph\.?D\.?|M\.?D\.?|Jr\.?|Sr\.?)$")
# Conjunctions between co-authors ("A et B", "A avec MAP"); free-text bylines also list them
# with commas/semicolons (group 1 of the list pattern: after a comma an acronym is a degree).
# "و" (and) and "مع" (with) only as words of their own: "وسعاد" may be part of a name ("وليد").
_AUTHOR_CONJUNCTIONS = r"and|&|et|y|avec|with|و|مع"
_AUTHOR_CONJUNCTION_RE = re.compile(rf"\s+(?:{_AUTHOR_CONJUNCTIONS})\s+", re.IGNORECASE)
_AUTHOR_LIST_RE = re.compile(rf"(\s*(?:,|;|\||،|؛)\s*)|\s+(?:{_AUTHOR_CONJUNCTIONS})\s+", re.IGNORECASE)
# Bidirectional controls and zero-width characters: invisible, but they make a name differ and
# stop the prefix from matching ("\u200fبقلم: ..."); str.split() does not count them as spaces.
_AUTHOR_INVISIBLE_RE = re.compile("[\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_AUTHOR_JOINERS = "\u200c\u200d"  # meaningful inside a word, noise at its ends
# "Outlet - Person", "Person | Outlet": the parts a byline joins with a dash or bar.
_AUTHOR_PART_SEPARATOR_RE = re.compile(r"\s+[-–—|]\s+")
# Co-authors in parentheses: "Martin Untersinger (avec Damien Leloup et Morgane Tual)".
_AUTHOR_PARENTHESISED_RE = re.compile(rf"\s*\(\s*((?:{_AUTHOR_CONJUNCTIONS})\s[^()]+?)\s*\)", re.IGNORECASE)
# Other parentheses belong to the name: "Bruno (Henrique Zecchin) Rodrigues".
_AUTHOR_PARENTHESES_RE = re.compile(r"\([^()]*\)")
# One-word co-authors that are whole names: agencies ("MAP", "AFP"), desks with digits ("Le360").
_AUTHOR_AGENCY_RE = re.compile(r"^(?:[A-Z]{2,6}|(?=\w*\d)(?=\w*[^\W\d_])\w{2,12})$")
_URL_RE = re.compile(r"^(?:https?:)?//|^www\.", re.IGNORECASE)
_DATE_CLASS_RE = re.compile(r"date|time|publi|posted|dateline|byline|meta|fecha|tarikh", re.I)
_CHROME_ANCESTOR_RE = re.compile(
    r"comment|related|sidebar|widget|footer|recommend|popular|most-read|trending|ticker", re.I
)
_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ", " • ", " » ", " « ", " / ", " : ", ": ", " _ ", "_")
_UNAMBIGUOUS_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ", " • ", " » ")
_TITLE_TRIM = " |:·•»«-–—_"
# A heading found inside the page title is the headline only if it is most of that title.
TITLE_HEADING_MIN_SHARE = 0.4
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


# --- JSON-LD ----------------------------------------------------------------------------------

_JSON_WRAPPER_RE = re.compile(r"^\s*(?:(?://\s*)?<!\[CDATA\[|<!--)|(?:(?://\s*)?\]\]>|-->)\s*$")


def _load_json_lenient(raw: str) -> Any:
    # Scripts are often wrapped in <![CDATA[ ... ]]> or <!-- ... --> for old parsers.
    raw = _JSON_WRAPPER_RE.sub("", raw.strip()).strip()
    try:
        return json.loads(raw)
    except ValueError:
        pass
    try:
        # Raw newlines/tabs inside strings and trailing commas are the usual CMS mistakes.
        repaired = _JSON_TRAILING_COMMA_RE.sub(r"\1", raw.replace("\n", " ").replace("\t", " "))
        return json.loads(repaired, strict=False)
    except ValueError:
        return None


def _walk_json_ld(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 8:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk_json_ld(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        graph = node.get("@graph")
        if graph is not None:
            yield from _walk_json_ld(graph, depth + 1)
        main_entity = node.get("mainEntity") or node.get("mainEntityOfPage")
        if isinstance(main_entity, dict) and "@type" in main_entity:
            yield from _walk_json_ld(main_entity, depth + 1)


def read_json_ld(root: etree._Element) -> list[dict[str, Any]]:
    """Every JSON-LD object in the page (flattened through lists and @graph), with references
    to other objects of the page resolved (``_resolve_references``)."""
    objects: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        data = _load_json_lenient(script.text or "")
        if data is not None:
            objects.extend(_walk_json_ld(data))
    _resolve_references(objects)
    return objects


def _resolve_references(objects: list[dict[str, Any]]) -> None:
    """Replace, in each object's own properties, a reference to another object of the page
    (``{"@id": ...}``) by that object, its own non-empty values winning.

    WordPress's SEO plugins (Yoast, Rank Math) write the article's author, image and publisher
    as references into an ``@graph``: ``"author": {"@id": ".../#/schema/person/1"}``, the Person
    with its name elsewhere in the graph. Unresolved, the author is lost and the image's ``@id``
    (".../#primaryimage") passes for its URL. One level only: references inside the resolved
    objects stay as they are, so a cycle cannot loop.
    """
    nodes = {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str) and len(obj) > 1}
    if not nodes:
        return

    def resolved(value: Any) -> Any:
        if isinstance(value, list):
            return [resolved(item) for item in value]
        if isinstance(value, dict) and isinstance(value.get("@id"), str) and value["@id"] in nodes:
            node = nodes[value["@id"]]
            if node is value:
                return value
            return {**node, **{key: item for key, item in value.items() if item not in ("", None, [], {})}}
        return value

    for obj in objects:
        for key, value in list(obj.items()):
            if key not in ("@id", "@graph", "mainEntity", "mainEntityOfPage"):
                obj[key] = resolved(value)


def json_ld_types(obj: dict[str, Any]) -> set[str]:
    types = obj.get("@type")
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list):
        return set()
    return {t.rsplit("/", 1)[-1].lower() for t in types if isinstance(t, str)}


def _unescaped(text: str) -> str:
    """Text with HTML character references decoded and whitespace collapsed.

    JSON-LD sits in a <script>, where the HTML parser decodes nothing, and many CMSs
    HTML-escape its strings anyway (``L&#039;été``); a <meta content> arrives decoded once, and
    some CMSs escape it twice (``&amp;#039;``). Either way the reader meant the character.
    """
    return collapse_whitespace(html.unescape(text)) if "&" in text else collapse_whitespace(text)


# What a CMS template writes into JSON-LD for a value it does not have.
_JSON_PLACEHOLDERS = frozenset({"nil", "null", "none", "undefined", "n/a"})


def _json_text(value: Any) -> str | None:
    """A JSON-LD value as a plain string (name of an object, first of a list)."""
    if isinstance(value, str):
        text = _unescaped(value)
        return text if text and text.casefold() not in _JSON_PLACEHOLDERS else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        return _json_text(value.get("name") or value.get("@value") or value.get("url"))
    if isinstance(value, list) and value:
        return _json_text(value[0])
    return None


def _json_url(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        # An @id names a node, and is the resource's URL only when it has no fragment:
        # ".../#primaryimage" is an identifier, not an image.
        identifier = value.get("@id")
        if not isinstance(identifier, str) or "#" in identifier:
            identifier = None
        return _json_url(value.get("url") or value.get("contentUrl") or identifier)
    if isinstance(value, list) and value:
        return _json_url(value[0])
    return None


def _json_names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [name for item in value for name in _json_names(item)]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str):
            return [html.unescape(name)]
        if isinstance(name, list):
            return [html.unescape(item) for item in name if isinstance(item, str)]
        return []
    if isinstance(value, str):
        return [html.unescape(value)]
    return []


# --- meta tags --------------------------------------------------------------------------------

def read_meta(root: etree._Element) -> dict[str, list[str]]:
    """<meta> contents keyed by lowercased property/name/itemprop/http-equiv."""
    meta: dict[str, list[str]] = {}
    for element in root.iter("meta"):
        content = element.get("content")
        if content is None or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            key = element.get(attribute)
            if key:
                for single_key in key.lower().split():
                    meta.setdefault(single_key, []).append(content.strip())
    return meta


def _first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        for value in meta.get(key, ()):
            text = _unescaped(value)
            if text:
                return text
    return None


# --- titles -----------------------------------------------------------------------------------

def _title_key(text: str) -> str:
    """Comparison form of a title: casefolded, unified dashes/quotes, collapsed spaces."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00ab", '"').replace("\u00bb", '"')
    text = re.sub(r"[\u2010-\u2015]", "-", text).replace("\u00a0", " ")
    return collapse_whitespace(text).casefold()


def _is_substantial_title(text: str) -> bool:
    if _CJK_RE.search(text):
        return len(text) >= 4
    return len(text.split()) >= 2 and len(text) >= 10


def _squashed(text: str) -> str:
    """Letters and digits only, casefolded: "Le 360" / "le360.ma" -> "le360"."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def site_keys_for(site_name: str | None, url: str | None) -> set[str]:
    """Forms of the outlet's name to recognise in titles: og:site_name and the domain label."""
    keys = {_squashed(site_name)} if site_name else set()
    host = host_of(url)
    if host:
        labels = host.split(".")
        # "hespress.com" -> "hespress"; "lematin.co.ma" -> "lematin"
        if len(labels) >= 3 and len(labels[-2]) <= 3:
            keys.add(_squashed(labels[-3]))
        elif len(labels) >= 2:
            keys.add(_squashed(labels[-2]))
    return {key for key in keys if key}


def _is_site_part(part: str, site_keys: set[str]) -> bool:
    squashed = _squashed(part)
    if not squashed:
        return False
    if squashed in site_keys:
        return True
    # "Yahoo News", "Le Monde.fr": a short segment containing the outlet's name.
    return len(part.split()) <= 4 and any(
        len(key) >= 4 and key in squashed and len(squashed) <= 2 * len(key) for key in site_keys
    )


def strip_site_name(title: str, site_keys: set[str]) -> str:
    """Remove a site-name prefix/suffix ("Title | Outlet", "Outlet : Title").

    With a known outlet name any separator counts; without one only separators that headlines
    do not use themselves ("|", "::", "·", "»", dashes around a short tail) are cut, because
    ":" and "/" are common inside headlines ("Superbugs: What They Are").
    """
    for separator in _TITLE_SEPARATORS:
        parts = [part.strip() for part in title.split(separator) if part.strip()]
        if len(parts) < 2:
            continue
        if _is_site_part(parts[-1], site_keys):
            return separator.join(parts[:-1])
        if _is_site_part(parts[0], site_keys):
            return separator.join(parts[1:])
    for separator in _UNAMBIGUOUS_TITLE_SEPARATORS:
        parts = [part.strip() for part in title.split(separator) if part.strip()]
        if len(parts) < 2:
            continue
        head, tail = separator.join(parts[:-1]), parts[-1]
        if len(tail.split()) <= 4 and len(head.split()) >= max(3, 2 * len(tail.split())):
            return head
        if separator.strip() in ("|", "::", "»"):
            head, rest = parts[0], separator.join(parts[1:])
            if len(head.split()) <= 3 and len(rest.split()) >= max(3, 2 * len(head.split())):
                return rest
    return title


def choose_title(
    candidates: Iterable[str | None], headings: Iterable[str], site_keys: set[str]
) -> str | None:
    """Best article title.

    A page heading that makes up most of one of the metadata titles is that title without
    the site name, so it wins; otherwise the first metadata title is stripped of its site-name
    prefix/suffix; pages without metadata titles fall back to the first heading.
    """
    titles = [collapse_whitespace(c) for c in candidates if c and collapse_whitespace(c)]
    heading_texts = [collapse_whitespace(h) for h in headings if h and collapse_whitespace(h)]
    title_keys = [_title_key(t) for t in titles]
    matching = []
    for heading in heading_texts:
        key = _title_key(heading)
        if not _is_substantial_title(heading) or _is_site_part(heading, site_keys):
            continue
        # The blog name in <h1> of "Blog Name: Post Title" is inside the title too, but short.
        if any(key in title_key and len(key) >= TITLE_HEADING_MIN_SHARE * len(title_key) for title_key in title_keys):
            matching.append(heading)
    if matching:
        return max(matching, key=len)
    if titles:
        return strip_site_name(titles[0], site_keys).strip(_TITLE_TRIM) or titles[0]
    for heading in heading_texts:
        if _is_substantial_title(heading):
            return heading
    return heading_texts[0] if heading_texts else None


def site_name_from_title(metadata: PageMetadata) -> str | None:
    """The outlet name left over when the article title is cut out of the page <title>
    ("Maghress : <title>" -> "Maghress"), if it is short enough to be a name."""
    page_title, title = metadata.page_title, metadata.title
    if not page_title or not title or page_title == title:
        return None
    position = page_title.find(title)
    if position < 0:
        return None
    rest = (page_title[:position] + " " + page_title[position + len(title):]).strip(" |-–—:·•»«/_")
    rest = collapse_whitespace(rest)
    if len(rest) > 2 and rest[0] + rest[-1] in ("[]", "()"):
        rest = rest[1:-1].strip()  # "[LWN.net]"
    if not rest or len(rest.split()) > 4 or len(rest) > 40:
        return None
    return rest


# --- authors ----------------------------------------------------------------------------------

def _cut_written_date(text: str) -> str:
    """"Karim Alaoui 24 novembre 2026" -> "Karim Alaoui "; the date is matched on normalized
    text, mapped back to `text` character by character (normalizing may drop marks)."""
    if not any(ch.isdigit() for ch in text):
        return text
    normalized: list[str] = []
    origins: list[int] = []
    for position, char in enumerate(text):
        folded = normalize_for_dates(char)
        normalized.append(folded)
        origins.extend([position] * len(folded))
    match = _AUTHOR_DATE_RE.search("".join(normalized))
    return text[: origins[match.start()]] if match else text


def _strip_byline_noise(text: str) -> str:
    """"Dan Goodin - Apr 16" -> "Dan Goodin"; "James Akinaka • 8h" -> "James Akinaka"."""
    text = _BYLINE_PREFIX_RE.sub("", text)
    text = _BYLINE_TAIL_RE.sub("", _cut_written_date(text))
    return text.strip(" .,:;-–—|•·\"'\u060c\u061b" + _AUTHOR_JOINERS)


def _drop_outlet_part(text: str, site_keys: set[str]) -> str:
    """"هسبريس - محمد العلوي" -> "محمد العلوي": the outlet's own name beside the person is not
    an author (the dash rule of _BYLINE_TAIL_RE would keep the outlet and drop the person).
    A byline that is only the outlet's name is left as it is."""
    if not site_keys:
        return text
    parts = _AUTHOR_PART_SEPARATOR_RE.split(text)
    kept = [part for part in parts if not _is_site_part(part, site_keys)]
    return " - ".join(kept) if kept and len(kept) < len(parts) else text


def _split_author_list(text: str, splitter: re.Pattern[str]) -> list[tuple[bool, str]]:
    """The pieces of a byline, each with whether a comma-like separator came before it.
    Separators inside parentheses do not split."""
    inside = [match.span() for match in _AUTHOR_PARENTHESES_RE.finditer(text)]
    pieces: list[tuple[bool, str]] = []
    start, after_comma = 0, False
    for match in splitter.finditer(text):
        if any(left < match.start() < right for left, right in inside):
            continue
        pieces.append((after_comma, text[start:match.start()]))
        start, after_comma = match.end(), bool(splitter.groups and match.group(1))
    pieces.append((after_comma, text[start:]))
    return pieces


def _author_pieces(text: str, splitter: re.Pattern[str]) -> list[str]:
    """"A et B avec MAP" -> [A, B, MAP]; "Jane Doe, MD" -> [Jane Doe]; "Mac & i" stays whole."""
    pieces = [(after_comma, _strip_byline_noise(piece)) for after_comma, piece in _split_author_list(text, splitter)]
    if len(pieces) == 1:
        return [pieces[0][1]]
    degrees = [after_comma and bool(_DEGREE_RE.match(piece)) for after_comma, piece in pieces]
    # Split only when every piece looks like a full name, an agency or a degree.
    if not all(
        degree or len(piece.split()) >= 2 or _AUTHOR_AGENCY_RE.match(piece)
        for degree, (_, piece) in zip(degrees, pieces, strict=True)
    ):
        return [text]
    # An acronym after a comma is a degree ("Jane Doe, MD"); after "et"/"avec" an agency (MAP).
    return [piece for degree, (_, piece) in zip(degrees, pieces, strict=True) if not degree]


def _is_plausible_author(name: str) -> bool:
    if not name or "@" in name or _URL_RE.search(name):
        return False
    if _BYLINE_PREFIX_RE.match(name + " x"):
        return False  # a lone "By"
    # Bylines glued to numbers or job titles ("John Doe 2016", "12 comments") are not names.
    if sum(ch.isdigit() for ch in name) > 3:
        return False
    if _AUTHOR_NUMBER_RE.search(name) and not _AUTHOR_OUTLET_NUMBER_RE.match(name):
        return False
    return len(name.split()) <= 5 and len(name) <= 60


def clean_author_names(
    raw_names: Iterable[str], *, structured: bool = False, site_keys: set[str] | None = None
) -> tuple[str, ...]:
    """Split "A and B", drop "By", dates, URLs, e-mail addresses and duplicates; keep order.

    `structured` names (JSON-LD) are only split on conjunctions: a comma there is more likely
    part of the name ("Doe, John") than a list separator. `site_keys` (site_keys_for()) name
    the outlet, whose name is dropped from "Outlet - Person".
    """
    splitter = _AUTHOR_CONJUNCTION_RE if structured else _AUTHOR_LIST_RE
    names: list[str] = []
    seen: set[str] = set()
    for raw in raw_names:
        if not isinstance(raw, str):
            continue
        text = collapse_whitespace(_AUTHOR_INVISIBLE_RE.sub("", raw.replace("\u200b", " ")))
        if not text or _URL_RE.search(text) or len(text) > 200:
            continue
        text = _drop_outlet_part(_AUTHOR_PARENTHESISED_RE.sub(r" \1", text), site_keys or set())
        text = _strip_byline_noise(text)
        for name in _author_pieces(text, splitter):
            key = name.casefold()
            if _is_plausible_author(name) and key not in seen:
                seen.add(key)
                names.append(name)
    return tuple(names)


# --- result -----------------------------------------------------------------------------------

@dataclass
class PageMetadata:
    title: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    description: str | None = None
    image_url: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    access: str = "unknown"  # "free", "paywalled" or "unknown", as the page declares it
    authors: tuple[str, ...] = ()
    published: FoundDate | None = None
    modified: FoundDate | None = None
    html_lang: str | None = None
    page_title: str | None = None  # the <title> as written
    page_type: str | None = None  # og:type / JSON-LD @type of the main object, lowercased
    is_article_markup: bool = False  # the page declares itself an article
    is_listing_markup: bool = False  # the page declares itself a listing/home page


def _absolute(url: str | None, base: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    if not url or url.startswith(("javascript:", "data:", "mailto:")):
        return None
    if base:
        try:
            return urljoin(base, url)
        except ValueError:
            return url
    return url


def _has_chrome_ancestor(element: etree._Element) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.tag in ("nav", "aside", "footer"):
            return True
        features = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if _CHROME_ANCESTOR_RE.search(features):
            return True
    return False


def _time_element_dates(
    root: etree._Element, default_tz: tzinfo, reference: dt.datetime | None = None
) -> FoundDate | None:
    """Date of the first <time> that is marked as publication date, else the first one in the
    article area (not in a sidebar, footer, comments or related-links block). A year-less
    machine value is completed from `reference` (see parse_machine_date)."""
    times = [
        t for t in root.iter("time")
        if t.get("datetime") or t.get("content") or (t.text or "").strip()
    ]
    marked = [
        t for t in times
        if t.get("pubdate") is not None or "datepublished" in (t.get("itemprop") or "").lower()
    ]
    for element in marked + [t for t in times if not _has_chrome_ancestor(t)]:
        # Microdata puts the machine value in `content` (<time itemprop="datePublished"
        # content="2017-01-18T23:00:00-0800">), with its zone; the text may lack the zone.
        found = (
            parse_machine_date(element.get("datetime"), default_tz, reference)
            or parse_machine_date(element.get("content"), default_tz, reference)
            or parse_text_date(element.text_content(), default_tz)
        )
        if found is not None:
            return found
    return None


def _visible_date(root: etree._Element, default_tz: tzinfo) -> FoundDate | None:
    """A date written in a small element whose class/id says it holds a date or byline."""
    body = root.find("body")
    if body is None:
        return None
    checked = 0
    for element in body.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        features = f"{element.get('class', '')} {element.get('id', '')}"
        if not features.strip() or not _DATE_CLASS_RE.search(features):
            continue
        if _has_chrome_ancestor(element):
            continue
        text = element.text_content()
        if not text or len(text) > 300:
            continue
        checked += 1
        found = parse_published_text_date(text, default_tz)
        if found is not None:
            return found
        if checked > 50:
            break
    return None


def _article_object(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    for obj in objects:
        if json_ld_types(obj) & ARTICLE_TYPES:
            return obj
    for obj in objects:
        if obj.get("datePublished") or obj.get("headline"):
            return obj
    return None


# Meta tags (lowercased property/name/itemprop) to read, in order of preference.
_SITE_NAME_KEYS = ("og:site_name", "application-name", "apple-mobile-web-app-title")
_TITLE_KEYS = ("og:title", "twitter:title")
_DESCRIPTION_KEYS = ("og:description", "description", "twitter:description", "dc.description")
_IMAGE_KEYS = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
_SECTION_KEYS = ("article:section", "section", "article-section", "parsely-section")
_TAG_KEYS = ("article:tag", "news_keywords", "parsely-tags", "sailthru.tags", "keywords")
# Declared content tiers (Google's "subscription and paywalled content" markup, OpenGraph's
# article:content_tier) -> our access flag.
_CONTENT_TIERS = {"free": ACCESS_FREE, "metered": ACCESS_PAYWALLED, "locked": ACCESS_PAYWALLED}
_AUTHOR_KEYS = (
    "author", "article:author", "dc.creator", "dcterms.creator", "parsely-author",
    "sailthru.author", "byl",
)
_PUBLISHED_KEYS = (
    "article:published_time", "og:published_time", "og:article:published_time", "datepublished",
)
_OTHER_DATE_KEYS = (
    "date", "pubdate", "publishdate", "publish-date", "publish_date", "publication_date",
    "dc.date", "dc.date.issued", "dcterms.created", "dcterms.issued", "sailthru.date",
    "parsely-pub-date", "article.published", "datecreated", "created",
    "citation_publication_date",
)
_MODIFIED_KEYS = (
    "article:modified_time", "og:updated_time", "datemodified", "last-modified",
    "dcterms.modified", "dc.date.modified",
)
_LANGUAGE_KEYS = ("content-language", "og:locale", "language", "dc.language")
_BYLINE_XPATH = (
    "//*[@rel='author' or contains(@itemprop,'author')]"
    " | //*[contains(@class,'byline') or contains(@class,'author-name')]"
)


def _read_authors(
    root: etree._Element, article: dict[str, Any], meta: dict[str, list[str]], site_keys: set[str]
) -> tuple[str, ...]:
    """Authors from JSON-LD, else author meta tags, else byline elements: the first of those
    that leaves a name once cleaned (an author meta holding only a profile URL is dropped by the
    cleaning, and must not hide the byline written in the page)."""
    authors = clean_author_names(_json_names(article.get("author")), structured=True, site_keys=site_keys)
    if authors:
        return authors
    meta_names = (value for key in _AUTHOR_KEYS for value in meta.get(key, ()))
    authors = clean_author_names(meta_names, site_keys=site_keys)
    if authors:
        return authors
    return clean_author_names(_byline_texts(root), site_keys=site_keys)


# Blocks that show other articles with their bylines: promos, teasers, "more by this author"
# tabs, recirculation feeds (cnet's section#contentPromo, wikia's tab-more-by-author).
_BYLINE_CHROME_RE = re.compile(r"promo|teaser|more-?by|more-?from|recirc|read-?next|up-?next|outbrain|taboola", re.I)
# Links to the author's other articles: salon's "More Richard (R.J.) Eskow."
_MORE_BY_RE = re.compile(
    r"^(?:more|see all|all (?:stories|articles|posts)|plus d[e'’]|tous les articles|autres articles"
    r"|más (?:de|artículos)|المزيد)\b",
    re.IGNORECASE,
)
# Candidate bylines collected at most: enough to see teaser cards (front pages have hundreds).
_MAX_BYLINE_CANDIDATES = 30


def _in_byline_chrome(element: etree._Element) -> bool:
    if _has_chrome_ancestor(element):
        return True
    for node in (element, *element.iterancestors()):
        if _BYLINE_CHROME_RE.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return True
    return False


def _article_scope(element: etree._Element) -> etree._Element | None:
    return next(element.iterancestors("article"), None)


def _own_article_bylines(found: list[tuple[etree._Element, str]]) -> list[tuple[etree._Element, str]]:
    """Bylines in several <article> elements are teaser cards' (nytimes-5): keep those of the
    <article> holding the headline (<h1>), else those outside any <article>, else the first."""
    scopes = [_article_scope(element) for element, _ in found]
    cards = list(dict.fromkeys(scope for scope in scopes if scope is not None))
    if len(cards) < 2:
        return found
    with_heading = [card for card in cards if card.find(".//h1") is not None]
    chosen = with_heading[0] if with_heading else None if None in scopes else cards[0]
    return [item for item, scope in zip(found, scopes, strict=True) if scope is chosen]


def _byline_texts(root: etree._Element) -> list[str]:
    """Texts of the page's own byline elements: not in sidebars, footers, promos or other
    articles' teasers, and not "More by ..." links."""
    found: list[tuple[etree._Element, str]] = []
    for element in root.xpath(_BYLINE_XPATH):
        text = collapse_whitespace(element.text_content())
        if text and len(text) <= 100 and not _MORE_BY_RE.match(text) and not _in_byline_chrome(element):
            found.append((element, text))
            if len(found) >= _MAX_BYLINE_CANDIDATES:
                break
    return [text for _, text in _own_article_bylines(found)][:5]


def _read_tags(article: dict[str, Any], meta: dict[str, list[str]]) -> tuple[str, ...]:
    """Tags from JSON-LD ``keywords`` (a list or one comma-separated string), else tag meta
    (one ``article:tag`` per tag, or comma-separated keywords). Case-insensitively unique."""
    raw: list[str] = []
    keywords = article.get("keywords")
    if isinstance(keywords, list):
        raw = [item for item in keywords if isinstance(item, str)]
    elif isinstance(keywords, str):
        raw = [keywords]
    if not raw:
        for key in _TAG_KEYS:
            if meta.get(key):
                raw = meta[key]
                break
    tags: list[str] = []
    seen: set[str] = set()
    for value in raw:
        for part in re.split(r"[,;|\u060c\u061b]", value):  # and the Arabic comma and semicolon
            tag = collapse_whitespace(part)
            if tag and len(tag) <= MAX_TAG_CHARS and tag.casefold() not in seen:
                seen.add(tag.casefold())
                tags.append(tag)
    return tuple(tags[:MAX_TAGS])


def _declared_free(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
        return value.strip().lower() in ("true", "yes")
    return None


def _read_access(article: dict[str, Any], meta: dict[str, list[str]]) -> str:
    """free / paywalled / unknown, only from what the page declares: JSON-LD
    ``isAccessibleForFree`` (on the article or one of its ``hasPart`` sections), else a content
    tier meta tag. Never guessed from the text: a short free article is not a paywall."""
    parts = article.get("hasPart")
    parts = parts if isinstance(parts, list) else [parts] if isinstance(parts, dict) else []
    flags = [_declared_free(article.get("isAccessibleForFree"))]
    flags += [_declared_free(part.get("isAccessibleForFree")) for part in parts if isinstance(part, dict)]
    if False in flags:
        return ACCESS_PAYWALLED
    if True in flags:
        return ACCESS_FREE
    tier = (_first(meta, "article:content_tier", "og:article:content_tier") or "").lower()
    return _CONTENT_TIERS.get(tier, ACCESS_UNKNOWN)


def _not_after(found: FoundDate | None, limit: dt.datetime | None) -> FoundDate | None:
    """The date, unless it lies after `limit` (a page cannot be published after it was
    fetched: such dates are event dates, countdowns or a misparse). A date-only value counts
    from the start of its day."""
    if found is None or limit is None or found.value <= limit:
        return found
    return None


def _read_published(
    root: etree._Element, article: dict[str, Any], meta: dict[str, list[str]], tz: tzinfo, not_after: dt.datetime | None
) -> FoundDate | None:
    """JSON-LD, then article meta, then other date meta, then <time>, then dated elements —
    the first of those that is not after `not_after` (which also completes year-less dates)."""
    candidates = (
        lambda: parse_machine_date(_json_text(article.get("datePublished")), tz, not_after),
        lambda: parse_machine_date(_first(meta, *_PUBLISHED_KEYS), tz, not_after),
        lambda: parse_machine_date(_first(meta, *_OTHER_DATE_KEYS), tz, not_after),
        lambda: _time_element_dates(root, tz, not_after),
        lambda: _visible_date(root, tz),
    )
    for candidate in candidates:
        found = _not_after(candidate(), not_after)
        if found is not None:
            return found
    return None


def _read_modified(
    article: dict[str, Any], meta: dict[str, list[str]], tz: tzinfo, not_after: dt.datetime | None
) -> FoundDate | None:
    """JSON-LD, then modification meta, unless after `not_after` (which also completes
    year-less dates)."""
    return _not_after(
        parse_machine_date(_json_text(article.get("dateModified")), tz, not_after)
        or parse_machine_date(_first(meta, *_MODIFIED_KEYS), tz, not_after),
        not_after,
    )


def read_metadata(
    root: etree._Element, url: str | None, default_tz: tzinfo, not_after: dt.datetime | None = None
) -> PageMetadata:
    """Collect metadata from the whole page tree (call before readability mutates it).
    Dates after `not_after` (the fetch time) are ignored."""
    json_ld = read_json_ld(root)
    article = _article_object(json_ld) or {}
    meta = read_meta(root)

    base_url = url
    base = root.find(".//base[@href]")
    if base is not None:
        base_url = _absolute(base.get("href"), url)

    site_name = _first(meta, *_SITE_NAME_KEYS) or _json_text(article.get("publisher"))
    if site_name is None:
        website = next((o for o in json_ld if "website" in json_ld_types(o)), None)
        site_name = _json_text(website.get("name")) if website else None

    title_element = root.find(".//title")
    page_title = title_element.text_content() if title_element is not None else None
    title = choose_title(
        [
            _first(meta, *_TITLE_KEYS),
            _json_text(article.get("headline")),
            page_title,
            _first(meta, "title", "dc.title"),
        ],
        [heading.text_content() for heading in root.iter("h1")],
        site_keys_for(site_name, url),
    )

    canonical = None
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = _absolute(link.get("href"), base_url)
            break

    og_type = (_first(meta, "og:type") or "").lower()
    all_types = set().union(*(json_ld_types(o) for o in json_ld))
    is_article_markup = (
        og_type.startswith("article")
        or bool(all_types & ARTICLE_TYPES)
        or _first(meta, "article:published_time") is not None
    )
    is_listing_markup = not is_article_markup and (
        og_type in ("website", "blog", "profile") or bool(all_types & (LISTING_TYPES - {"website"}))
    )

    return PageMetadata(
        title=title,
        site_name=site_name,
        canonical_url=canonical or _absolute(_first(meta, "og:url"), base_url),
        description=_first(meta, *_DESCRIPTION_KEYS) or _json_text(article.get("description")),
        image_url=_absolute(
            _first(meta, *_IMAGE_KEYS) or _json_url(article.get("image")), base_url
        ),
        section=_first(meta, *_SECTION_KEYS) or _json_text(article.get("articleSection")),
        tags=_read_tags(article, meta),
        access=_read_access(article, meta),
        authors=_read_authors(root, article, meta, site_keys_for(site_name, url)),
        published=_read_published(root, article, meta, default_tz, not_after),
        modified=_read_modified(article, meta, default_tz, not_after),
        html_lang=root.get("lang") or root.get("xml:lang") or _first(meta, *_LANGUAGE_KEYS),
        page_title=collapse_whitespace(page_title) if page_title else None,
        page_type=og_type or None,
        is_article_markup=is_article_markup,
        is_listing_markup=is_listing_markup,
    )


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower().removeprefix("www.") if host else None
