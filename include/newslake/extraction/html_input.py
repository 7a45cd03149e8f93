"""From raw page (str or bytes) to one lxml tree: decoding, sanitising, parsing.

The page is parsed exactly once here; every later step (metadata, readability, lineage) works
on this tree or on copies of it.
"""

from __future__ import annotations

import codecs
import re
import threading

import lxml.html
from lxml import etree

# C0 controls other than tab/LF/CR, DEL, C1 controls, lone surrogates and the two
# non-characters: libxml2 and lxml refuse them in text ("All strings must be XML compatible"),
# which makes readability raise on real pages that contain a stray \x0b or \x1a.
_XML_INCOMPATIBLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
_XML_DECLARATION_RE = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""")
# Declared charsets that are subsets of a wider charset browsers actually use for them.
_CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "shift_jis": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "tis-620": "cp874",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# How much of the page to look at for a <meta charset> (HTML requires it in the first 1024
# bytes; real pages are sloppier).
_CHARSET_SNIFF_BYTES = 8192

# lxml parser objects must not be shared between threads: one per thread.
_thread_state = threading.local()


def _parser() -> lxml.html.HTMLParser:
    parser = getattr(_thread_state, "parser", None)
    if parser is None:
        parser = _thread_state.parser = lxml.html.HTMLParser(encoding="utf-8")
    return parser


# Pages beyond this many characters are cut (lxml closes what the cut leaves open). Real
# article pages are far smaller once decoded; the cap bounds time and memory on junk.
MAX_HTML_CHARS = 8_000_000
# Share of characters that no HTML document contains (NUL and other controls) above which the
# input is taken to be binary data rather than a page.
MAX_CONTROL_CHAR_SHARE = 0.02


class EmptyDocument(ValueError):
    """The input holds no markup or text at all."""


class NotHtml(ValueError):
    """The input is binary data, not a web page."""


def charset_codec(label: str) -> str | None:
    """Python's codec for a declared charset label, widened to the charset browsers use for it
    (iso-8859-1 is read as windows-1252); None for a label Python does not know."""
    name = label.strip().lower()
    name = _CHARSET_SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _declared_charset(data: bytes) -> str | None:
    head = data[:_CHARSET_SNIFF_BYTES]
    match = _XML_DECLARATION_RE.search(head) or _META_CHARSET_RE.search(head)
    if not match:
        return None
    return charset_codec(match.group(1).decode("ascii", "ignore"))


def decode_with_header_charset(data: bytes, label: str) -> str | None:
    """Decode a page whose HTTP header declares ``label``, with :func:`decode_html`'s two
    corrections: bytes that are valid UTF-8 are read as UTF-8 (servers label UTF-8 pages
    iso-8859-1 or windows-1256 far more often than legacy bytes happen to be valid UTF-8, and
    latin-1 never fails, so a wrong label would otherwise pass as mojibake), and the label is
    widened as browsers do. None when the label is unknown or cannot decode the bytes: the
    page's own declaration and detection decide then."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = charset_codec(label)
    if codec is None:
        return None
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def decode_html(data: bytes) -> str:
    """Decode page bytes the way a browser would without HTTP headers, never raising.

    Order: byte-order mark; valid UTF-8 (checked before the declared charset because pages that
    declare a legacy charset but are really UTF-8 are common, while non-UTF-8 bytes that happen
    to be valid UTF-8 are rare); the <meta charset>/XML declaration; charset-normalizer's guess;
    finally cp1252, which decodes any byte sequence.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data)
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, "replace")
    except Exception:  # a guesser failure must not fail the extraction
        pass
    return data.decode("cp1252", "replace")


def sanitize_text(html: str) -> str:
    """Remove characters lxml cannot hold (control characters, lone surrogates)."""
    return _XML_INCOMPATIBLE_RE.sub("", html)


def parse_html(html: str | bytes) -> lxml.html.HtmlElement:
    """Parse a page into an lxml HTML document root. Raises EmptyDocument or lxml errors."""
    if isinstance(html, (bytes, bytearray, memoryview)):
        html = decode_html(bytes(html[: MAX_HTML_CHARS * 2]))
    html = html[:MAX_HTML_CHARS]
    sanitized = sanitize_text(html).lstrip("\ufeff")
    if len(html) - len(sanitized) > MAX_CONTROL_CHAR_SHARE * len(html) + 16:
        raise NotHtml("too many control characters")
    if not sanitized.strip():
        raise EmptyDocument("no content")
    # Parse from UTF-8 bytes with an explicit encoding: lxml refuses str input that carries an
    # XML encoding declaration, and the page's own <meta charset> must not override our decoding.
    try:
        root = lxml.html.document_fromstring(sanitized.encode("utf-8", "replace"), parser=_parser())
    except etree.ParserError as error:  # "Document is empty": only comments, doctype...
        raise EmptyDocument(str(error)) from error
    if root is None:
        raise EmptyDocument("nothing parsed")
    return root


def drop_elements(root: etree._Element, xpath: str) -> None:
    for element in root.xpath(xpath):
        if element.getparent() is not None:
            element.drop_tree()
