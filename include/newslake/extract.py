"""Article extraction: one fetched HTML page in, clean article text and metadata out.

    from newslake.extract import extract_article
    result = extract_article(html, url, default_timezone="Africa/Casablanca")
    if result.ok:
        store(result.to_dict())

Pipeline (the page is parsed exactly once):

1. decode (bytes only: BOM, UTF-8, <meta charset>, guess), strip characters lxml rejects, parse
   with lxml;
2. read metadata from the full tree: JSON-LD, OpenGraph/Twitter/Dublin Core meta, <time>,
   bylines, dated elements (``extraction.metadata``);
3. hand the same tree to readability-lxml, which copies it per pass, and take its cleaned
   article element (``extraction.content``);
4. turn the article into text blocks (``extraction.blocks``); find the aggregator credit line
   and source link (``extraction.lineage``) and drop them and leftover widget text
   (``extraction.chrome``) from the text and the article HTML;
5. decide whether the page is an article at all (``extraction.pagetype``) and detect the
   language of the text (``extraction.language``).

``extract_article`` never raises: failures come back as ``ok=False`` with a ``reason``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from newslake.extraction import pagetype
from newslake.extraction.blocks import (
    TextBlock,
    blocks_to_text,
    collapse_whitespace,
    element_to_blocks,
)
from newslake.extraction.chrome import clean_article_blocks
from newslake.extraction.content import (
    readability_version,
    run_readability,
    serialize_article,
)
from newslake.extraction.dates import FoundDate, parse_text_date, resolve_timezone
from newslake.extraction.html_input import EmptyDocument, parse_html
from newslake.extraction.language import detect_language
from newslake.extraction.lineage import find_lineage, page_candidate_blocks
from newslake.extraction.metadata import (
    ACCESS_UNKNOWN,
    PageMetadata,
    read_metadata,
    site_name_from_title,
)

__all__ = [
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "REASONS",
    "ArticleExtraction",
    "extract_article",
]

log = logging.getLogger(__name__)

EXTRACTOR_NAME = "newslake-readability"
# Bump when a change alters extracted output, so stored rows can be traced to the logic
# that produced them.
EXTRACTOR_VERSION = "0.4"

REASON_EMPTY = "empty"
REASON_PARSE_ERROR = "parse_error"
REASON_NOT_ARTICLE = pagetype.REASON_NOT_ARTICLE
REASON_NO_TEXT = pagetype.REASON_NO_TEXT
REASONS = (REASON_EMPTY, REASON_PARSE_ERROR, REASON_NOT_ARTICLE, REASON_NO_TEXT)

# A dateline is a short line at either end of the article.
DATELINE_BLOCKS = 3
MAX_DATELINE_CHARS = 120

_extractor_label: str | None = None


def extractor_label() -> str:
    """"newslake-readability 0.4 (readability-lxml 0.9)", computed once."""
    global _extractor_label
    if _extractor_label is None:
        _extractor_label = f"{EXTRACTOR_NAME} {EXTRACTOR_VERSION} (readability-lxml {readability_version()})"
    return _extractor_label


@dataclass(frozen=True)
class ArticleExtraction:
    """What was extracted from one page. `ok` is False when there is no usable article."""

    ok: bool
    reason: str | None  # None when ok; else one of REASONS
    title: str | None = None
    text: str = ""  # paragraphs separated by one blank line
    content_html: str | None = None
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None  # timezone-aware
    published_precision: str | None = None  # "datetime" or "date"
    modified_at: datetime | None = None
    language: str | None = None  # ISO 639-1, of the article text
    site_name: str | None = None
    canonical_url: str | None = None
    description: str | None = None
    image_url: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    access: str = ACCESS_UNKNOWN  # "free" | "paywalled" | "unknown", as the page declares it
    origin_publisher: str | None = None  # outlet that first published a republished article
    origin_url: str | None = None  # the article at that outlet
    extractor: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (authors as a list); datetimes stay datetime objects."""
        data = dataclasses.asdict(self)
        data["authors"] = list(self.authors)
        data["tags"] = list(self.tags)
        return data


def _failure(reason: str, metadata: PageMetadata | None = None) -> ArticleExtraction:
    fields = _metadata_fields(metadata) if metadata is not None else {}
    return ArticleExtraction(ok=False, reason=reason, extractor=extractor_label(), **fields)


def _metadata_fields(metadata: PageMetadata) -> dict[str, Any]:
    published = metadata.published
    return {
        "title": metadata.title,
        "authors": metadata.authors,
        "published_at": published.value if published else None,
        "published_precision": published.precision if published else None,
        "modified_at": metadata.modified.value if metadata.modified else None,
        "site_name": metadata.site_name,
        "canonical_url": metadata.canonical_url,
        "description": metadata.description,
        "image_url": metadata.image_url,
        "section": metadata.section,
        "tags": metadata.tags,
        "access": metadata.access,
    }


def _drop_from_article(article_root, removed: list[TextBlock]) -> None:
    """Remove the elements of removed blocks from the article HTML, when the element holds
    nothing but that block (never a container that also holds kept text)."""
    for block in removed:
        element = block.element
        if element is article_root or element.getparent() is None:
            continue
        if collapse_whitespace(element.text_content()) == block.text:
            element.drop_tree()


def extract_article(
    html: str | bytes,
    url: str | None = None,
    *,
    default_timezone: str = "UTC",
    fetched_at: datetime | None = None,
) -> ArticleExtraction:
    """Extract the article of one page. Never raises.

    `html` as bytes is decoded here (BOM, <meta charset>, detection); pass str when the HTTP
    response named a charset. `url` resolves relative links and tells the aggregator's own
    links from links to the original outlet. Naive dates found in the page are taken to be in
    `default_timezone` (an IANA name; unknown names fall back to UTC). No date after
    `fetched_at` (default: now) is taken as the publication or modification date.
    """
    try:
        return _extract(html, url, default_timezone, fetched_at)
    except Exception:  # includes RecursionError and MemoryError from pathological pages
        log.debug("extraction failed for %s", url, exc_info=True)
        return _failure(REASON_PARSE_ERROR)


def _extract(html: str | bytes, url: str | None, default_timezone: str, fetched_at: datetime | None) -> ArticleExtraction:
    if html is None or (isinstance(html, (str, bytes, bytearray)) and not html):
        return _failure(REASON_EMPTY)
    if not isinstance(html, (str, bytes, bytearray, memoryview)):
        return _failure(REASON_PARSE_ERROR)
    if url is not None and not isinstance(url, str):
        url = None
    tz = resolve_timezone(default_timezone)
    if fetched_at is None:
        fetched_at = datetime.now(UTC)
    elif fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)

    try:
        root = parse_html(html)
    except EmptyDocument:
        return _failure(REASON_EMPTY)
    except Exception:
        log.debug("lxml could not parse %s", url, exc_info=True)
        return _failure(REASON_PARSE_ERROR)

    try:
        metadata = read_metadata(root, url, tz, not_after=fetched_at)
    except Exception:  # metadata is best effort: never lose the text over it
        log.debug("metadata extraction failed for %s", url, exc_info=True)
        metadata = PageMetadata()

    try:
        article = run_readability(root, url)
    except Exception:
        log.debug("readability failed on %s", url, exc_info=True)
        return _failure(REASON_PARSE_ERROR, metadata)

    article_blocks = element_to_blocks(article)
    lineage = find_lineage(
        _lineage_search_groups(article_blocks, root), tz, base_url=url, page_url=url
    )
    lineage_ids = {id(block) for block in lineage.blocks}
    kept, removed = clean_article_blocks(
        [block for block in article_blocks if id(block) not in lineage_ids], metadata.title
    )
    removed += [block for block in article_blocks if id(block) in lineage_ids]
    _drop_from_article(article, removed)
    text = blocks_to_text(kept)

    fields = _metadata_fields(metadata)
    if metadata.published is None:
        # No date of the page's own: the aggregator's credit line, else a dateline written at
        # the top or bottom of the article ("Rabat, le 24 novembre 2026").
        found = lineage.date or _dateline(article_blocks, tz)
        if found is not None and found.value <= fetched_at:
            fields["published_at"] = found.value
            fields["published_precision"] = found.precision
    if fields["site_name"] is None:
        fields["site_name"] = site_name_from_title(metadata)
    fields.update(
        text=text,
        content_html=serialize_article(article),
        language=detect_language(text, metadata.html_lang),
        origin_publisher=lineage.publisher,
        origin_url=lineage.url,
        extractor=extractor_label(),
    )

    signals = pagetype.measure(kept, root)
    reason = pagetype.classify(
        signals,
        declared_article=metadata.is_article_markup,
        declared_listing=metadata.is_listing_markup,
    )
    if reason is None and not text:
        reason = REASON_NO_TEXT
    return ArticleExtraction(ok=reason is None, reason=reason, **fields)


def _dateline(blocks: list[TextBlock], tz) -> FoundDate | None:
    """A date on a short line among the first or last few blocks of the article."""
    edge_blocks = blocks[:DATELINE_BLOCKS] + blocks[-DATELINE_BLOCKS:]
    for block in edge_blocks:
        if len(block.text) <= MAX_DATELINE_CHARS:
            found = parse_text_date(block.text, tz)
            if found is not None:
                return found
    return None


def _lineage_search_groups(article_blocks: list[TextBlock], root) -> Iterator[list[TextBlock]]:
    """Where to look for the credit line and source link: the article first, then (only when
    the article lacks one of them) candidate blocks from the rest of the page."""
    yield article_blocks
    body = root.find("body")
    yield page_candidate_blocks(body if body is not None else root)
