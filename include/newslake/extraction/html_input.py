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
        guessed = _guessed_encoding(data)
        if guessed:
            return data.decode(guessed, "replace")
    except Exception:  # a guesser failure must not fail the extraction
        pass
    return data.decode("cp1252", "replace")


def _guessed_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess for bytes that are not UTF-8, among the encodings a browser
    can decode, with the legacy encoding of the page's declared language winning a near tie.

    Left to itself the guesser reads a French or Spanish windows-1252 page as cp1250, cp1257 or
    cp775 ("Planète" → "Plančte"): a page with a few accented letters scores about the same in
    each, and it then ranks them by name. So:

    * only the encodings of the WHATWG Encoding Standard are tried: no browser decodes cp775,
      cp850 or hp_roman8, so no web page is written in them;
    * a page that declares its language (``<html lang="fr">``) gets that language's legacy
      encoding — windows-1252 for the Western European languages, windows-1256 for Arabic,
      Persian and Urdu — whenever it decodes the page with as little chaos as the best guess,
      as a browser falls back to its locale's encoding;
    * otherwise charset-normalizer's own ranking decides, windows-1252 (the web's most common
      legacy encoding) then windows-1256 winning what it counts as a tie (chaos within 1 %,
      language coherence within 2 %). A Polish windows-1250 page stays cp1250: it is clearly
      more coherent so.

    The sample is taken around the first byte that is not UTF-8: a page whose first 200 KB are
    ASCII was guessed ASCII.
    """
    from charset_normalizer import from_bytes

    try:
        data.decode("utf-8")
        start = 0
    except UnicodeDecodeError as error:
        start = max(0, error.start - _GUESS_SAMPLE_BYTES // 2)
    matches = list(from_bytes(data[start:start + _GUESS_SAMPLE_BYTES], cp_isolation=list(_WEB_ENCODINGS)))
    if not matches:
        return None
    best = matches[0]
    least_chaos = min(match.chaos for match in matches)
    language_encoding = _LANGUAGE_ENCODINGS.get(_declared_language(data) or "")
    if language_encoding and any(
        language_encoding in match.could_be_from_charset and match.chaos <= least_chaos + 0.01 for match in matches
    ):
        return language_encoding
    tied = [match for match in matches if abs(match.chaos - best.chaos) < 0.01 and abs(match.coherence - best.coherence) <= 0.02]
    for preferred in ("cp1252", "cp1256"):
        if any(preferred in match.could_be_from_charset for match in tied):
            return preferred
    return best.encoding


def _declared_language(data: bytes) -> str | None:
    """The primary language subtag of ``<html lang>``, lowercased (``pt-BR`` → ``pt``)."""
    match = _HTML_LANG_RE.search(data[:_CHARSET_SNIFF_BYTES])
    return match.group(1).decode("ascii").lower() if match else None


_HTML_LANG_RE = re.compile(rb"""<html[^>]*?\slang\s*=\s*["']?([a-zA-Z]{2,3})\b""", re.IGNORECASE)
_LANGUAGE_ENCODINGS = {
    **dict.fromkeys(("en", "fr", "es", "pt", "it", "de", "nl", "ca", "gl", "eu", "da", "sv", "no", "nb", "nn", "is",
                     "ga", "af", "sq", "id", "ms", "sw", "fi"), "cp1252"),
    **dict.fromkeys(("ar", "fa", "ur"), "cp1256"),
}
_GUESS_SAMPLE_BYTES = 200_000
# The WHATWG Encoding Standard's legacy encodings (what browsers decode), as Python codecs;
# UTF-8 and UTF-16 are settled before any guess.
_WEB_ENCODINGS = (
    "cp866", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8",
    "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u", "mac_roman",
    "mac_cyrillic", "cp874", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
    "cp1258", "gb18030", "big5", "euc_jp", "iso2022_jp", "shift_jis", "euc_kr",
)


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
