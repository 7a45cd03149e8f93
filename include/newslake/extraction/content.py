"""Run readability-lxml on an already parsed tree and get its article element back.

`readability.Document` re-parses its input on every ``title()``/``summary()`` call (and twice
in ``summary()`` when the first, "ruthless" pass finds too little). Given an lxml element
instead of a string it skips the parse: each pass only copies the tree (inside lxml's Cleaner,
which deep-copies elements it is handed) and cleans the copy. The changes made to the tree we
pass: we strip script/style/template/noscript and comments once up front (the cleaner would
drop them from every copy), and readability drops ``hidden``/``display:none`` elements, which
suits the later steps too.

After ``summary()`` readability keeps the sanitised article node in ``Document.html``; we take
that element instead of re-parsing the HTML string it returns.

Speed: readability is run through `FastDocument`, a subclass whose overrides compute exactly
what readability 0.9 computes (same scores, same tree edits, same article), only with less
work. Each override says what it is equivalent to; ``tests/test_extraction_speedups.py``
compares every one of them with readability's own code. The module-level names of readability
are never patched, so a plain ``readability.Document`` (the benchmark's reference) is untouched.
"""

from __future__ import annotations

import logging
import re
import types
from collections import deque
from importlib import metadata as importlib_metadata

import lxml.html
import readability.readability as _readability
from lxml import etree
from lxml.etree import tostring
from lxml.html import _nons
from readability import Document
from readability.cleaners import clean_attributes
from readability.cleaners import html_cleaner as _readability_cleaner

try:  # lxml-html-clean is a separate package since lxml 5.2; older lxml ships it inside
    from lxml_html_clean import Cleaner
    from lxml_html_clean.clean import xhtml_to_html
except ImportError:  # pragma: no cover - depends on the installed lxml
    from lxml.html.clean import Cleaner, xhtml_to_html

# readability logs a full traceback at ERROR level before raising Unparseable; the caller
# reports failures through ArticleExtraction.reason instead.
logging.getLogger("readability.readability").setLevel(logging.CRITICAL)

_log = _readability.log


def readability_version() -> str:
    try:
        return importlib_metadata.version("readability-lxml")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


# --- text length: len(readability.clean(text)) without building the cleaned string ----------
#
# readability's ``clean(text)`` is, in order: runs of 255+ whitespace characters -> 255
# spaces; ``\s*\n\s*`` -> "\n"; ``\t|[ \t]{2,}`` -> " "; ``strip()``. Its callers mostly want
# only the length (``text_length``, ``get_link_density``), and the second regex backtracks over
# every whitespace run: on our corpus it was a quarter of the extraction time. Worked out on
# maximal whitespace runs (``\s`` and ``str.split``/``strip`` use the same definition of
# whitespace), every run inside the text becomes
#   * " " when it is 255+ characters long (255 spaces, then squeezed by the third regex),
#   * "\n" when it holds a newline (the second regex takes the whole run),
#   * otherwise what the third regex makes of it: one character, except for the "odd" runs of
#     2+ characters that hold a tab at the start or a whitespace character other than space
#     and tab ("\t\t" -> "  ", "\xa0\xa0" stays as is);
# and the runs at either end disappear (strip). Hence the length below; ``clean_length(t) ==
# len(clean(t))`` for every string (checked on the corpus and by fuzzing in the tests).

_CLEAN_ODD_RUN_RE = re.compile(r"(?<!\s)(?=\t|[^\S\n]*[^\S \t\n])[^\S\n]{2,}(?!\s)")
_CLEAN_TABS_RE = re.compile(r"\t|[ \t]{2,}")  # readability's third step


def clean_length(text: str) -> int:
    """``len(readability.readability.clean(text))``, computed without the regex passes."""
    words = text.split()
    if not words:
        return 0
    non_space = len("".join(words))
    length = non_space + len(words) - 1  # every inner whitespace run as one character
    if text.count(" ") + text.count("\n") == len(text) - non_space:
        return length  # all the whitespace is spaces and newlines: no odd run
    for match in _CLEAN_ODD_RUN_RE.finditer(text.strip()):
        run = match.group()
        if len(run) < 255:
            length += len(_CLEAN_TABS_RE.sub(" ", run)) - 1
    return length


def _text_length(element) -> int:
    """readability's ``text_length(element)``: ``len(clean(element.text_content() or ""))``."""
    return clean_length(element.text_content() or "")


def _describe_for_debug(node, depth=1):
    """readability's ``describe()`` when its debug log is on, else "": readability formats
    debug messages eagerly (``log.debug("..." % describe(el))``) even when they are dropped."""
    if _log.isEnabledFor(logging.DEBUG):
        return _readability.describe(node, depth)
    return ""


def _text_content_for_debug(element, length=40):
    """readability's debug ``text_content()`` (only used in debug messages), or "" when the
    debug log is off."""
    if _log.isEnabledFor(logging.DEBUG):
        return _readability.text_content(element, length)
    return ""


# --- readability's Cleaner, without the walks over the whole tree -----------------------------

# The configuration of readability's cleaner (readability/cleaners.py) that `_FastCleaner`
# reproduces; with any other configuration readability's own cleaner is used.
_READABILITY_CLEANER_CONFIG = {
    "scripts": True,
    "javascript": True,
    "comments": True,
    "style": True,
    "inline_style": True,
    "links": True,
    "meta": False,
    "page_structure": False,
    "processing_instructions": True,
    "embedded": False,
    "frames": False,
    "forms": False,
    "annoying_tags": False,
    "remove_unknown_tags": False,
    "safe_attrs_only": False,
    "add_nofollow": False,
}

_LINK_ATTRS = frozenset(lxml.html.defs.link_attrs)
# Elements whose links ``iterlinks()`` finds by rules of their own (codebase-relative object
# links, <meta http-equiv=refresh>, <param valuetype=ref>, CSS in <style>).
_SPECIAL_LINK_TAGS = frozenset({"object", "meta", "param", "style"})


class _OneElement:
    """Stands in for a document in lxml's own ``HtmlMixin.rewrite_links``/``iterlinks``, whose
    only use of the document is ``self.iter(etree.Element)``: it yields one element, so lxml's
    code handles that element's links exactly as it would in a whole-document pass."""

    iterlinks = lxml.html.HtmlMixin.iterlinks
    rewrite_links = lxml.html.HtmlMixin.rewrite_links

    def __init__(self, element) -> None:
        self._element = element

    def iter(self, tag=None):
        return iter((self._element,))


def _could_be_script_link(link: str) -> bool:
    """False when ``Cleaner._remove_javascript_link(link.strip())`` surely returns its argument:
    it only blanks a link whose whitespace-stripped, ``unquote_plus``-decoded form has a
    scheme ("javascript:", "data:"...), i.e. contains ":", which decoding can only produce from
    ":" or "%3A"/"%3a" in the link."""
    return ":" in link or "%3" in link


class _FastCleaner(Cleaner):
    """``Cleaner.__call__`` for readability's configuration (`_READABILITY_CLEANER_CONFIG`):
    the same steps with the same result, in one walk over the elements instead of three.

    * on* attributes: deleted with the same ``aname.startswith("on")`` test;
    * ``rewrite_links(self._remove_javascript_link, resolve_base_href=False)``: for each link
      attribute (``lxml.html.defs.link_attrs``) the same replacement, ``f(link.strip())`` set
      when it differs from the link (f is not called when it surely returns ``link.strip()``,
      see `_could_be_script_link`); <object>/<meta>/<param>/<style> elements go through lxml's
      own ``rewrite_links`` code (`_OneElement`). Links inside style attributes are not
      rewritten: those attributes are all deleted a few lines below (``inline_style``). The
      deletions and rewrites touch distinct attributes of one element, so doing both per
      element in one walk gives what lxml's two walks give;
    * killed tags: ``doc.iter(*kill_tags)`` yields, in document order, exactly the elements
      the full loop picks with ``el.tag in kill_tags``.
    """

    def __call__(self, doc):
        try:
            getroot = doc.getroot
        except AttributeError:
            pass
        else:
            doc = getroot()
        xhtml_to_html(doc)
        for el in doc.iter("image"):
            el.tag = "img"
        # javascript=True, safe_attrs_only=False: drop on* attributes, neutralise script links.
        remove_javascript_link = self._remove_javascript_link
        for el in doc.iter(etree.Element):
            keys = el.keys()
            if not keys and _nons(el.tag) != "style":
                continue  # no attribute: no on* and no link (but <style> text can hold links)
            if _nons(el.tag) in _SPECIAL_LINK_TAGS:
                attrib = el.attrib
                for aname in keys:
                    if aname.startswith("on"):
                        del attrib[aname]
                _OneElement(el).rewrite_links(remove_javascript_link, resolve_base_href=False)
                continue
            for aname in keys:
                if aname.startswith("on"):
                    del el.attrib[aname]
                elif aname in _LINK_ATTRS:
                    link = el.get(aname)
                    stripped = link.strip()
                    new_link = remove_javascript_link(stripped) if _could_be_script_link(stripped) else stripped
                    if new_link != link:
                        el.set(aname, new_link)
        # inline_style=True and style=True: no CSS rewriting, style attributes and tags go.
        kill_tags = {"script", etree.Comment, etree.ProcessingInstruction, "style", "link"}
        etree.strip_attributes(doc, "style")
        _kill = deque()
        for el in doc.iter(*kill_tags):
            if el.tag in kill_tags:
                if self.allow_element(el):
                    continue
                _kill.append(el)
        if _kill and _kill[0] == doc:
            el = _kill.popleft()
            if el.tag != "html":
                el.tag = "div"
            el.clear()
        while _kill:
            _kill.popleft().drop_tree()


# ... and no extra tags to kill, remove or allow (``Cleaner.__call__`` reads them as
# ``set(self.kill_tags or ())``).
_READABILITY_CLEANER_EMPTY = ("remove_tags", "allow_tags", "kill_tags")


def _fast_cleaner_or_readabilitys() -> Cleaner:
    """A `_FastCleaner` with the settings of readability's cleaner (all of them copied, the
    allow-lists included), or readability's cleaner itself if it is configured differently."""
    cleaner = _readability_cleaner
    if type(cleaner) is not Cleaner:
        return cleaner
    if any(getattr(cleaner, name, None) != value for name, value in _READABILITY_CLEANER_CONFIG.items()):
        return cleaner
    if any(getattr(cleaner, name, None) for name in _READABILITY_CLEANER_EMPTY):
        return cleaner
    fast = _FastCleaner.__new__(_FastCleaner)
    fast.__dict__.update(vars(cleaner))
    return fast


# --- the Document subclass ---------------------------------------------------------------------

# readability's own methods, recompiled against a copy of readability's module namespace in
# which four names are rebound: ``text_length`` (the same number, computed by `clean_length`),
# ``describe`` and ``text_content`` (only formatted into debug messages; skipped when the debug
# log is off) and ``html_cleaner`` (`_FastCleaner`, same result). Their code is readability's,
# unchanged; readability's module itself is not modified.
_FAST_GLOBALS = dict(vars(_readability))
_FAST_GLOBALS.update(
    text_length=_text_length,
    describe=_describe_for_debug,
    text_content=_text_content_for_debug,
    html_cleaner=_fast_cleaner_or_readabilitys(),
)


def _rebound(method):
    return types.FunctionType(
        method.__code__, _FAST_GLOBALS, method.__name__, method.__defaults__, method.__closure__
    )


_INLINE_TAGS = frozenset(
    {"a", "b", "cite", "code", "em", "font", "i", "small", "span", "strong", "sub", "sup", "u"}
)
# Tags whose start tag alone makes readability's divToPElementsRe (``<(blockquote|dl|div|img|ol|
# p|pre|table|ul)``, case-insensitive, a prefix match) match a serialisation that contains them.
_DIV_TO_P_TAGS = (
    "blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul",
    "param", "picture", "progress", "plaintext", "path", "pattern", "polygon", "polyline",
)


def _serialisation_has_block(elements) -> bool:
    """True when ``divToPElementsRe`` surely matches the serialisation of `elements` (tails
    included): one of them or of their descendants has a tag of `_DIV_TO_P_TAGS`, whose start
    tag "<tag" is in the serialisation. Checked in C (``iter(*tags)``); it answers for every
    container element. False means "not known": the caller then builds and searches the
    serialisation as readability does (text, attribute values, unknown tags can still match)."""
    for element in elements:
        if next(element.iter(*_DIV_TO_P_TAGS), None) is not None:
            return True
    return False


# The elements remove_unlikely_candidates looks at, and how many of them an element holds.
_CLASS_OR_ID_ELEMENTS = etree.XPath("descendant::*[@class or @id]")
_COUNT_CLASS_OR_ID_DESCENDANTS = etree.XPath("count(descendant::*[@class or @id])")


class FastDocument(Document):
    """readability-lxml's Document computing the same article with less work (see the module
    docstring). Only used with readability 0.9, whose code the overrides were checked against."""

    # Recompiled with readability's code (see _FAST_GLOBALS): the same decisions, cheaper
    # text lengths; no eager debug formatting; the narrowed cleaner in _parse.
    _parse = _rebound(Document._parse)
    add_heading_preamble = _rebound(Document.add_heading_preamble)
    get_semantic_main_candidate = _rebound(Document.get_semantic_main_candidate)
    select_best_candidate = _rebound(Document.select_best_candidate)
    sanitize = _rebound(Document.sanitize)

    def get_link_density(self, elem):
        """Same number as readability's: sum of ``text_length`` over ``elem.findall(".//a")``
        divided by ``max(text_length(elem), 1)``; lengths from `clean_length`, and from the
        per-element cache while `score_paragraphs` runs (the tree does not change then)."""
        cache = self._length_cache
        if cache is None:
            link_length = 0
            for i in elem.findall(".//a"):
                link_length += _text_length(i)
            total_length = _text_length(elem)
        else:
            link_length = 0
            for i in elem.findall(".//a"):
                length = cache.get(i)
                if length is None:
                    length = cache[i] = _text_length(i)
                link_length += length
            total_length = cache.get(elem)
            if total_length is None:
                total_length = cache[elem] = _text_length(elem)
        return float(link_length) / max(total_length, 1)

    _length_cache: dict | None = None

    def score_paragraphs(self):
        """readability's ``score_paragraphs``, line for line, except: ``len(clean(text))`` is
        `clean_length` and ``len(clean(text).split(","))`` is ``text.count(",") + 1`` (clean
        only rewrites whitespace), text lengths are cached per element (nothing in this method
        changes the tree), and the dropped debug message is not formatted."""
        MIN_LEN = self.min_text_length
        candidates = {}
        ordered = []
        self._length_cache = {}
        try:
            for elem in self.tags(self._html(), "p", "pre", "td", "blockquote"):
                parent_node = elem.getparent()
                if parent_node is None:
                    continue
                grand_parent_node = parent_node.getparent()

                inner_text = elem.text_content() or ""
                inner_text_len = clean_length(inner_text)

                # If this paragraph is less than 25 characters
                # don't even count it.
                if inner_text_len < MIN_LEN:
                    continue

                if parent_node not in candidates:
                    candidates[parent_node] = self.score_node(parent_node)
                    ordered.append(parent_node)

                if grand_parent_node is not None and grand_parent_node not in candidates:
                    candidates[grand_parent_node] = self.score_node(grand_parent_node)
                    ordered.append(grand_parent_node)

                content_score = 1
                content_score += inner_text.count(",") + 1
                content_score += min((inner_text_len / 100), 3)

                candidates[parent_node]["content_score"] += content_score
                if grand_parent_node is not None:
                    candidates[grand_parent_node]["content_score"] += content_score / 2.0

            # Scale the final candidates score based on link density. Good content
            # should have a relatively small link density (5% or less) and be
            # mostly unaffected by this operation.
            debug = _log.isEnabledFor(logging.DEBUG)
            for elem in ordered:
                candidate = candidates[elem]
                ld = self.get_link_density(elem)
                score = candidate["content_score"]
                if debug:
                    _log.debug(
                        "Branch %6.3f %s link density %.3f -> %6.3f"
                        % (score, _readability.describe(elem), ld, score * (1 - ld))
                    )
                candidate["content_score"] *= 1 - ld
        finally:
            self._length_cache = None
        return candidates

    def remove_unlikely_candidates(self):
        """readability's ``remove_unlikely_candidates``, with the same decisions taken cheaper:

        * only elements with a class or id are visited: for the others the tested string
          ``"{class} {id}"`` is " ", which readability skips (``len(s) < 2``); the list is taken
          before any removal and in document order, like readability's ``findall(".//*")``;
        * the two regex tests are pure functions of that string, remembered per string (class
          names repeat all over a page);
        * ``not elem.xpath("ancestor-or-self::pre | ancestor-or-self::code")`` and ``not
          elem.xpath("descendant-or-self::main | ... article | ... math")`` are asked with
          ``iterancestors``/``iter`` tag filters (same elements, no XPath evaluation);
        * once an element is dropped, its descendants (the next entries of the list) are not
          examined: readability would only drop elements inside the already detached subtree,
          which is no longer part of the document.
        """
        unlikely = _readability.REGEXES["unlikelyCandidatesRe"]
        maybe = _readability.REGEXES["okMaybeItsACandidateRe"]
        verdicts: dict[str, bool] = {}
        elements = _CLASS_OR_ID_ELEMENTS(self.html)
        index, count = 0, len(elements)
        while index < count:
            elem = elements[index]
            index += 1
            s = "{} {}".format(elem.get("class", ""), elem.get("id", ""))
            if len(s) < 2:
                continue
            verdict = verdicts.get(s)
            if verdict is None:
                verdict = verdicts[s] = bool(unlikely.search(s)) and not maybe.search(s)
            if (
                verdict
                and elem.tag not in ["html", "body"]
                and elem.tag not in ("pre", "code")
                and next(elem.iterancestors("pre", "code"), None) is None
                and next(elem.iter("main", "article", "math"), None) is None
            ):
                if _log.isEnabledFor(logging.DEBUG):
                    _log.debug("Removing unlikely candidate - %s" % _readability.describe(elem))
                descendants = int(_COUNT_CLASS_OR_ID_DESCENDANTS(elem))
                elem.drop_tree()
                index += descendants

    def transform_misused_divs_into_paragraphs(self):
        """readability's, with the regex test on serialised HTML answered without serialising
        when an element with a block tag is inside (see `_serialisation_has_block`); the
        serialisation is still built and searched otherwise."""
        div_to_p = _readability.REGEXES["divToPElementsRe"]
        for elem in self.tags(self.html, "div"):
            # transform <div>s that do not contain other block elements into <p>s
            if not (
                _serialisation_has_block(elem)
                or div_to_p.search(str(b"".join(tostring(s, encoding="utf-8") for s in elem)))
            ):
                elem.tag = "p"

        for elem in self.tags(self.html, "div"):
            children = list(elem)
            paragraph = None
            if elem.text and elem.text.strip():
                p = _readability.fragment_fromstring("<p/>")
                p.text = elem.text
                elem.text = None
                elem.insert(0, p)
                paragraph = p

            for child in children:
                if child.tag == "br":
                    paragraph = None
                    continue
                if (
                    child.tag not in _INLINE_TAGS
                    or _serialisation_has_block((child,))
                    or div_to_p.search(_readability.tounicode(child, method="html"))
                ):
                    paragraph = None
                    continue
                if paragraph is None:
                    paragraph = _readability.fragment_fromstring("<p/>")
                    child.addprevious(paragraph)
                paragraph.append(child)

            for pos, child in reversed(list(enumerate(elem))):
                if child.tail and child.tail.strip():
                    p = _readability.fragment_fromstring("<p/>")
                    p.text = child.tail
                    child.tail = None
                    elem.insert(pos + 1, p)
                if child.tag == "br":
                    child.drop_tree()


# The overrides above were written against readability-lxml 0.9; another version gets the
# plain Document (correct, just slower) until they are checked against it.
_DOCUMENT_CLASS = FastDocument if readability_version() == "0.9" else Document


# readability marks <body> with the id "readabilityBody", which its own positive regex ("body")
# then rewards with +25 when the body is scored as a candidate. Its negative_keywords option
# takes 25 off a tag it matches as "tag-<name>", so this gives the whole page back its score
# from paragraphs alone. (The option is also searched in classes and ids, hence anchored.)
# Without it, an article split around a nested wrapper (a paywall <div>) lost to the whole
# page, whose text then carried the breaking-news bar, breadcrumbs and cookie notice
# (tests/test_extract.py); the corpus's 78 pages extract the same either way.
_BODY_TAG = re.compile(r"\Atag-body\Z")


def run_readability(root: etree._Element, url: str | None) -> etree._Element:
    """Readability's cleaned article (a <div> element) for the parsed page `root`.

    Raises on failure. Modifies `root` (see the module docstring): read metadata first.
    """
    # Readability's cleaner removes these on every pass, from a fresh copy of the whole tree;
    # removing them once beforehand makes each copy and clean cheaper. (Metadata has already
    # been read, JSON-LD included.)
    etree.strip_elements(root, "script", "style", "template", "noscript", etree.Comment, with_tail=False)
    # No url for readability: it would rewrite every link of the page on every pass; making
    # the links of the (small) article absolute afterwards gives the same article HTML.
    document = _DOCUMENT_CLASS(root, negative_keywords=_BODY_TAG)
    document.summary(html_partial=True)
    article = document.html
    if article is None:
        raise ValueError("readability returned no article")
    if url:
        try:
            article.make_links_absolute(url, resolve_base_href=False, handle_failures="discard")
        except Exception:  # a malformed page URL must not cost us the article
            pass
    return article


def serialize_article(article: etree._Element) -> str:
    """Article element -> HTML string, with readability's attribute cleanup (style, width...)."""
    return clean_attributes(etree.tounicode(article, method="html"))
