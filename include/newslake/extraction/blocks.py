"""Turn an HTML element into text blocks (paragraphs), the way the reference corpus does it.

A block element (p, h1-h6, li, div, blockquote, pre, figcaption, tr, ...) ends the text before
it and its own text; text inside a block has its whitespace collapsed (so NBSP becomes a plain
space and ``pre`` loses its layout); ``br`` counts as a space and table cells are separated by a
space; script/style/template content and comments are ignored; empty blocks are dropped.

The walk is iterative (an explicit stack), so pathologically deep documents cannot hit Python's
recursion limit. Each block remembers the element it came from and how much of its text sits
inside links, which the chrome and lineage heuristics use.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
        "html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
    }
)
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Page regions that hold site navigation rather than the article.
NAVIGATION_TAGS = frozenset({"nav", "aside", "footer"})
# Elements whose content is never readable text.
SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title", "select"})
# Inline elements that still separate words (a cell boundary or a line break is not "glue").
SPACE_TAGS = frozenset({"br", "td", "th", "img", "input", "button"})


@dataclass(frozen=True)
class TextBlock:
    """One paragraph-like block of text found in a document."""

    text: str
    element: etree._Element  # the innermost block element that produced the text
    link_chars: int  # characters of `text` that were inside <a>
    unlinked_text: str = ""  # the part of `text` outside links

    @property
    def link_density(self) -> float:
        return min(1.0, self.link_chars / max(1, len(self.text)))

    @property
    def tag(self) -> str:
        return self.element.tag if isinstance(self.element.tag, str) else ""


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


class _BlockCollector:
    """Accumulates text pieces until a block boundary, then emits a TextBlock."""

    def __init__(self) -> None:
        self.blocks: list[TextBlock] = []
        self._pieces: list[str] = []
        self._unlinked_pieces: list[str] = []
        self._link_chars = 0

    def add(self, text: str | None, in_link: bool) -> None:
        if text:
            self._pieces.append(text)
            if in_link:
                self._link_chars += len(collapse_whitespace(text))
            else:
                self._unlinked_pieces.append(text)

    def flush(self, owner: etree._Element) -> None:
        text = collapse_whitespace("".join(self._pieces))
        if text:
            unlinked = collapse_whitespace("".join(self._unlinked_pieces))
            self.blocks.append(TextBlock(text, owner, min(self._link_chars, len(text)), unlinked))
        self._pieces = []
        self._unlinked_pieces = []
        self._link_chars = 0


def element_to_blocks(root: etree._Element) -> list[TextBlock]:
    """Text blocks of `root` and its descendants, in document order."""
    collector = _BlockCollector()
    open_blocks: list[etree._Element] = [root]
    link_depth = 0
    # (element, closing) pairs; `closing` marks the end-tag visit that handles the tail.
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag if isinstance(element.tag, str) else None
        if closing:
            if tag in BLOCK_TAGS:
                collector.flush(open_blocks.pop())
            elif tag in SPACE_TAGS:
                collector.add(" ", False)
            if tag == "a":
                link_depth -= 1
            if element is not root:
                collector.add(element.tail, link_depth > 0)
            continue
        if tag is None or tag in SKIPPED_TAGS:
            # Comments, processing instructions and non-text elements: only the tail is text.
            if element is not root:
                collector.add(element.tail, link_depth > 0)
            continue
        if tag in BLOCK_TAGS:
            collector.flush(open_blocks[-1])
            open_blocks.append(element)
        elif tag in SPACE_TAGS:
            collector.add(" ", False)
        if tag == "a":
            link_depth += 1
        collector.add(element.text, link_depth > 0)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    collector.flush(open_blocks[-1] if open_blocks else root)
    return collector.blocks


def blocks_to_text(blocks: list[TextBlock]) -> str:
    return "\n\n".join(block.text for block in blocks)
