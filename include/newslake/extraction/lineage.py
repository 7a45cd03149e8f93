"""Aggregator lineage: which outlet first published a republished article, and where.

Aggregators (Maghress, press reviews, syndication partners) print a credit line such as
"Publié dans Yabiladi le 11 - 06 - 2024", "Publicado en El País el 3 de mayo de 2024",
"Source : MAP", "نشر في هسبريس يوم 24 - 11 - 2026", and a link "lire l'article depuis sa
source" / "read the original" / "leer en la fuente" pointing at the original. Those lines are
metadata, not article text: the extractor records them here and removes them from the text.

The patterns are language conventions, not site rules: they must hold for any aggregator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import tzinfo
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .blocks import BLOCK_TAGS, NAVIGATION_TAGS, TextBlock, element_to_blocks
from .dates import FoundDate, normalize_for_dates, parse_text_date

# A credit line is short; a longer block mentioning "publié dans" is prose.
MAX_LINE_CHARS = 200
MAX_PUBLISHER_WORDS = 8
MAX_PUBLISHER_CHARS = 80
# Page elements larger than this are not searched for credit lines outside the article.
MAX_CONTAINER_CHARS = 3000

_ARABIC_MARKS_RE = re.compile("[\u064b-\u0652\u0670\u0640]")

# "<verb> in <publisher> on <date>" in the languages we follow. Matched against the whole
# line (case-insensitive); `publisher` is cut again at a date or separator below.
_DATED_CREDIT_LINE_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # fr: "Publié dans Yabiladi le 11 - 06 - 2024", "Article publié initialement sur Le360"
        r"^(?:cet\s+)?(?:article\s+)?(?:initialement\s+|originellement\s+|d'abord\s+)?"
        r"publi[ée]e?s?\s+(?:initialement\s+|originellement\s+|d'abord\s+)?(?:dans|sur)\s+"
        r"(?P<publisher>.+?)(?:\s*,?\s+le\s+(?P<date>.+))?$",
        # es: "Publicado en El País el 3 de mayo de 2024"
        r"^(?:art[íi]culo\s+)?(?:publicad[oa]s?|aparecid[oa])\s+(?:originalmente\s+|inicialmente\s+)?"
        r"en\s+(?P<publisher>.+?)(?:\s*,?\s+el\s+(?P<date>.+))?$",
        # en: "Published in Morocco World News on June 11, 2024", "Originally published in X"
        r"^(?:this\s+(?:article|story|post)\s+(?:was\s+)?|it\s+was\s+)?(?:originally\s+|first\s+)?"
        r"(?:published|appeared)\s+(?:originally\s+|first\s+)?in\s+"
        r"(?P<publisher>.+?)(?:\s*,?\s+on\s+(?P<date>.+))?$",
        # ar: "نشر في هسبريس يوم 24 - 11 - 2026"
        r"^(?:تم\s+)?(?:نشر|نشرت|نشره|النشر)\s+(?:في|على|ب)\s*(?P<publisher>.+?)"
        r"(?:\s+(?:يوم|بتاريخ|في)\s+(?P<date>.+))?$",
    )
)
# "Source : MAP", "Fuente: EFE", "المصدر: هسبريس", "Via : Le360"
_SOURCE_LINE_PATTERN = re.compile(
    r"^(?:source|sources|fuente|fuentes|fonte|via|المصدر|مصدر|عن)\s*[:：\-–]\s*(?P<publisher>.+)$",
    re.IGNORECASE,
)
_CREDIT_LINE_PATTERNS = (*_DATED_CREDIT_LINE_PATTERNS, _SOURCE_LINE_PATTERN)

# Links inviting the reader to the original article (matched on normalize_for_dates() text:
# lowercase, no accents, unified Arabic letters — so "على" is written "علي" here, as ى has become ي).
_SOURCE_LINK_RE = re.compile(
    r"""
    lire\s+l'?(?:article|integralite|info)\s+(?:de\s+l'article\s+)?(?:depuis|sur|a|dans|chez)\s+(?:sa|la|son|le)\s+(?:source|site)
    | lire\s+(?:la\s+suite\s+(?:sur|chez|de\s+l'article\s+sur)|l'article\s+(?:original|complet|integral|source))
    | (?:voir|consulter|acceder\s+a)\s+l'article\s+(?:original|source|complet)
    | article\s+(?:original|source)\b | source\s+originale
    | read\s+(?:the\s+)?(?:full\s+|original\s+|complete\s+|whole\s+)?(?:article|story|post|piece)\s+
      (?:at|on|from)\s+(?:the\s+|its\s+)?(?:source|original|publisher)
    | read\s+(?:the\s+)?original | view\s+(?:the\s+)?original | original\s+(?:article|story|source)\b
    | read\s+(?:it\s+|more\s+)?(?:at|on)\s+(?:the\s+|its\s+)?source | continue\s+reading\s+(?:at|on)\b
    | leer\s+(?:en\s+(?:la|su)\s+fuente|el\s+articulo\s+(?:original|completo|en\s+(?:su|la)\s+fuente)
      |la\s+noticia\s+(?:original|completa|en\s+(?:su|la)\s+fuente))
    | ver\s+(?:el\s+|la\s+)?(?:articulo|noticia)\s+original | fuente\s+original
    | (?:اقرا|طالع|تابع)\s+(?:المقال|الخبر|الموضوع|المزيد)\s+(?:من|علي|في)\s+(?:المصدر|مصدره|موقعه|الموقع\s+الاصلي)
    | المصدر\s+الاصلي | (?:ل?قراءه)\s+(?:المقال|الخبر)\s+(?:من|علي|في)\s+(?:المصدر|مصدره)
    """,
    re.VERBOSE,
)
# Cheap test on each short text node of the page: could it be part of a credit line or a
# source link? Only the blocks around such nodes are then examined with the precise patterns
# above, instead of every block of the page. It must accept a superset of what they accept.
_ARABIC_MARK = "[\u064b-\u0652]*"
_TEXT_NODE_HINT_RE = re.compile(
    r"publi[ée]|publicad|aparecid|published|appeared|source|fuente|fonte|via\s*[:：]"
    r"|lire\s+l|read\s+(?:the|it|more|full|at)|continue\s+reading|original|leer|\bver\s"
    r"|ن" + _ARABIC_MARK + "ش" + _ARABIC_MARK + r"ر|مصدر|عن\s*[:：]|اقرأ|اقرا|طالع|تابع|قراءة"
)  # applied to lowercased text
_PUBLISHER_TRIM = " \t.,:;!-–—|«»\"'()[]"
_PUBLISHER_CUT_RE = re.compile(r"\s+[-–—|•·,]\s+|\s*[,|]\s*|\s+(?:le|el|on|يوم|بتاريخ)\s+\d")


@dataclass
class Lineage:
    publisher: str | None = None
    url: str | None = None
    date: FoundDate | None = None
    # The blocks that carried the lineage: removed from the article text.
    blocks: list[TextBlock] = field(default_factory=list)


def _clean_publisher(raw: str, tz: tzinfo) -> str | None:
    publisher = _PUBLISHER_CUT_RE.split(raw, maxsplit=1)[0].strip(_PUBLISHER_TRIM)
    if not publisher or len(publisher) > MAX_PUBLISHER_CHARS:
        return None
    if len(publisher.split()) > MAX_PUBLISHER_WORDS or not any(ch.isalpha() for ch in publisher):
        return None
    # "Publié le 11/06/2024" style lines put a date where the outlet should be.
    if parse_text_date(publisher, tz) is not None:
        return None
    return publisher


def parse_credit_line(text: str, tz: tzinfo) -> tuple[str, FoundDate | None] | None:
    """(publisher, date) from a credit line like "Publié dans X le 11 - 06 - 2024", else None."""
    if not text or len(text) > MAX_LINE_CHARS:
        return None
    line = _ARABIC_MARKS_RE.sub("", text.replace("\u2019", "'")).strip()
    for pattern in _CREDIT_LINE_PATTERNS:
        match = pattern.match(line)
        if not match:
            continue
        publisher = _clean_publisher(match.group("publisher"), tz)
        if publisher is None:
            continue
        found = parse_text_date(match.groupdict().get("date") or line, tz)
        # "Publié dans <X>" without a date is how blogs print the post's category; only the
        # "Source: X" form is a credit without a date.
        if found is None and pattern is not _SOURCE_LINE_PATTERN:
            continue
        return publisher, found
    return None


# The page's text nodes outside script/style, without those made only of spaces, tabs and line
# breaks (most of them: indentation), which XPath drops before Python sees them. Those could
# not pass the hint test below anyway (every hint has a letter), so the result is the same.
_PAGE_TEXT_NODES = etree.XPath(".//text()[normalize-space()][not(parent::script) and not(parent::style)]")


def page_candidate_blocks(page: etree._Element) -> list[TextBlock]:
    """Blocks of `page` that may be a credit line or source link: the nearest block element
    around each short text node that mentions publishing or a source, skipping navigation,
    sidebars and footers (whose credit-like lines belong to other articles)."""
    containers: list[etree._Element] = []
    seen: set[etree._Element] = set()
    for text in _PAGE_TEXT_NODES(page):
        # Most nodes are indentation; lowercasing then a case-sensitive search is ~3x faster
        # than an IGNORECASE search.
        if len(text) > MAX_LINE_CHARS * 2 or text.isspace():
            continue
        if not _TEXT_NODE_HINT_RE.search(text.lower()):
            continue
        element = text.getparent()
        if element is None:
            continue
        if text.is_tail:
            element = element.getparent()
        if element is None:
            continue
        container = next(
            (e for e in (element, *element.iterancestors()) if e.tag in BLOCK_TAGS), None
        )
        if container is None or container in seen:
            continue
        seen.add(container)
        if any(a.tag in NAVIGATION_TAGS for a in (container, *container.iterancestors())):
            continue
        containers.append(container)
    blocks: list[TextBlock] = []
    for container in containers:
        if len(container.text_content()) > MAX_CONTAINER_CHARS:
            continue  # the whole article body, not a credit line's paragraph
        blocks.extend(b for b in element_to_blocks(container) if len(b.text) <= MAX_LINE_CHARS)
    return blocks


def is_source_link_text(text: str) -> bool:
    return bool(text) and len(text) <= MAX_LINE_CHARS and bool(
        _SOURCE_LINK_RE.search(normalize_for_dates(text.replace("\u2019", "'")))
    )


def _host(url: str | None) -> str | None:
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return None
    return host.lower().removeprefix("www.") if host else None


def _source_link_url(element: etree._Element, base_url: str | None, page_url: str | None) -> str | None:
    """The href of the link in `element` that points at the original article."""
    page_host = _host(page_url)
    links = [element] if element.tag == "a" else list(element.iter("a"))
    candidates: list[str] = []
    for link in links:
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        try:
            absolute = urljoin(base_url, href) if base_url else href
        except ValueError:
            continue
        if not absolute.lower().startswith(("http://", "https://", "//")):
            continue
        if is_source_link_text(link.text_content()):
            # Explicit "read at the source" wording is trusted even on the same host (outlets
            # hosted side by side, redirect endpoints) — but never a link to the page itself.
            if absolute.split("#")[0] != (page_url or "").split("#")[0]:
                return absolute
            continue
        if page_host and _host(absolute) == page_host:
            continue  # an unlabelled link to the aggregator itself is not the source
        candidates.append(absolute)
    return candidates[0] if len(candidates) == 1 else None


def find_lineage(
    block_groups: Iterable[list[TextBlock]],  # may be lazy: later groups are built on demand
    tz: tzinfo,
    base_url: str | None = None,
    page_url: str | None = None,
) -> Lineage:
    """Look for a credit line and a source link, group by group (article text first, then the
    rest of the page); the first group with a hit wins for each of the two."""
    lineage = Lineage()
    for blocks in block_groups:
        for block in blocks:
            if len(block.text) > MAX_LINE_CHARS:
                continue
            if lineage.publisher is None:
                credit = parse_credit_line(block.text, tz)
                if credit is not None:
                    lineage.publisher, lineage.date = credit
                    lineage.blocks.append(block)
                    continue
            if lineage.url is None and is_source_link_text(block.text):
                url = _source_link_url(block.element, base_url, page_url)
                if url:
                    lineage.url = url
                    lineage.blocks.append(block)
        if lineage.publisher and lineage.url:
            break
    return lineage
