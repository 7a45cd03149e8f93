"""Is this page an article? Tell home pages and listings apart from (possibly short) articles.

Readability always returns *something*; on a home page it returns the biggest teaser list
(dropping the linked teaser headlines, which are too link-dense for it). The signals used
here are structural and language-independent:

* prose: blocks of continuous, mostly unlinked text (an article has at least a few sentences);
* teasers: in the original page, headings that are links to other pages, and the short text
  right after each of them (its summary). When most of readability's prose is such summaries,
  the page is a listing;
* the page's own declaration (og:type, JSON-LD @type), which only tips close calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from .blocks import (
    HEADING_TAGS,
    NAVIGATION_TAGS,
    TextBlock,
    collapse_whitespace,
    element_to_blocks,
)

_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

# A prose block has at least this many words (CJK: characters / 2) and little link text.
PROSE_MIN_WORDS = 8
PROSE_MAX_LINK_DENSITY = 0.5
# Below this much prose a page without article markup is not an article (about two sentences).
MIN_PROSE_CHARS = 250
# With article markup (og:type=article, NewsArticle...) a brief of one or two sentences counts.
MIN_PROSE_CHARS_DECLARED_ARTICLE = 80
# A page with at least this many teasers whose summaries make up most of the extracted prose
# is a listing.
MIN_TEASERS = 3
MAX_SUMMARY_SIBLINGS = 3
# Prose that is not teaser summaries: a listicle has an intro, a home page next to none.
MIN_OWN_PROSE_CHARS = 600
LINK_HEAVY_PAGE_LINKS = 40

REASON_NOT_ARTICLE = "not_article"
REASON_NO_TEXT = "no_text"


@dataclass(frozen=True)
class PageSignals:
    prose_chars: int  # weighted length of prose blocks in the extracted text
    prose_blocks: int
    teaser_prose_chars: int  # part of prose_chars that are teaser summaries of the page
    teasers: int  # linked headings in the page, outside navigation
    content_link_density: float
    page_links: int


def _weighted_length(text: str) -> int:
    """Characters, with CJK characters counted 3x (one CJK character ~ a short word)."""
    return len(text) + 2 * len(_CJK_RE.findall(text))


def _is_prose(block: TextBlock) -> bool:
    if block.link_density > PROSE_MAX_LINK_DENSITY or block.tag in HEADING_TAGS:
        return False
    words = len(block.text.split())
    cjk = len(_CJK_RE.findall(block.text))
    return words >= PROSE_MIN_WORDS or cjk >= 2 * PROSE_MIN_WORDS


def _is_teaser_heading(heading: etree._Element) -> bool:
    """A heading of at least a few words whose text is mostly a link to another page."""
    text = collapse_whitespace(heading.text_content())
    if len(text.split()) < 3 and len(_CJK_RE.findall(text)) < 6:
        return False
    link_chars = 0
    for link in heading.iter("a"):
        href = (link.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:")):
            link_chars += len(collapse_whitespace(link.text_content()))
    if link_chars < 0.6 * len(text):
        return False
    return not any(ancestor.tag in NAVIGATION_TAGS for ancestor in heading.iterancestors())


def _teaser_summaries(heading: etree._Element) -> Iterator[str]:
    """Texts right after a teaser heading (or after its wrapper, e.g. <header><h2>)."""
    anchor = heading
    parent = heading.getparent()
    if heading.getnext() is None and parent is not None and parent.getparent() is not None:
        anchor = parent
    sibling = anchor.getnext()
    taken = 0
    while sibling is not None and taken < MAX_SUMMARY_SIBLINGS:
        if isinstance(sibling.tag, str):
            if sibling.tag in HEADING_TAGS or any(True for _ in sibling.iter(*HEADING_TAGS)):
                break
            for block in element_to_blocks(sibling):
                yield block.text
            taken += 1
        sibling = sibling.getnext()


def find_teasers(page_root: etree._Element) -> tuple[int, set[str]]:
    """Number of teaser headings in the page and the texts of their summaries."""
    count = 0
    summaries: set[str] = set()
    for heading in page_root.iter(*HEADING_TAGS):
        if _is_teaser_heading(heading):
            count += 1
            summaries.update(_teaser_summaries(heading))
    return count, summaries


def measure(blocks: list[TextBlock], page_root: etree._Element) -> PageSignals:
    """Signals of the extracted `blocks`, read against the original page tree."""
    prose = [block for block in blocks if _is_prose(block)]
    total_chars = sum(len(block.text) for block in blocks)
    link_chars = sum(block.link_chars for block in blocks)
    teasers, summaries = find_teasers(page_root)
    return PageSignals(
        prose_chars=sum(_weighted_length(block.text) for block in prose),
        prose_blocks=len(prose),
        teaser_prose_chars=sum(_weighted_length(b.text) for b in prose if b.text in summaries),
        teasers=teasers,
        content_link_density=link_chars / total_chars if total_chars else 0.0,
        page_links=sum(1 for link in page_root.iter("a") if link.get("href")),
    )


def classify(
    signals: PageSignals, *, declared_article: bool, declared_listing: bool
) -> str | None:
    """None for an article, else REASON_NOT_ARTICLE or REASON_NO_TEXT."""
    if signals.teasers >= MIN_TEASERS and signals.prose_chars > 0:
        teaser_share = signals.teaser_prose_chars / signals.prose_chars
        own_prose = signals.prose_chars - signals.teaser_prose_chars
        # Listicles ("the 10 best films", each item a linked heading and a description) look
        # like listings; their own intro/outro text and article markup tell them apart.
        if teaser_share >= 0.5 and own_prose < MIN_OWN_PROSE_CHARS:
            return REASON_NOT_ARTICLE
        if teaser_share >= 0.8 and not declared_article:
            return REASON_NOT_ARTICLE
    if signals.content_link_density >= 0.5 and signals.prose_chars < 4 * MIN_PROSE_CHARS:
        return REASON_NOT_ARTICLE
    min_prose = MIN_PROSE_CHARS_DECLARED_ARTICLE if declared_article else MIN_PROSE_CHARS
    if signals.prose_chars >= min_prose and not (declared_listing and signals.prose_blocks < 3):
        return None
    if signals.page_links >= LINK_HEAVY_PAGE_LINKS or declared_listing:
        return REASON_NOT_ARTICLE
    return REASON_NO_TEXT
