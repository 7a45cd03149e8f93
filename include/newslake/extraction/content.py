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
"""

from __future__ import annotations

import logging
from importlib import metadata as importlib_metadata

from lxml import etree
from readability import Document
from readability.cleaners import clean_attributes

# readability logs a full traceback at ERROR level before raising Unparseable; the caller
# reports failures through ArticleExtraction.reason instead.
logging.getLogger("readability.readability").setLevel(logging.CRITICAL)


def readability_version() -> str:
    try:
        return importlib_metadata.version("readability-lxml")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


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
    document = Document(root)
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
