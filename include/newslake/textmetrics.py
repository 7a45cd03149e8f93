"""Text normalisation and token-level F1, to score extracted article text against a reference.

Shared by the extractor's corpus tests and by benchmarks so that every number reported for
"text F1" means the same thing:

* the text is compared block by block the way the reference corpus was derived: whitespace
  inside a block collapsed with ``" ".join(block.split())`` (so NBSP becomes a space), empty
  blocks dropped, blocks joined by one blank line;
* tokens are lowercase ``\\w+`` words, except for languages written without spaces between
  words (Chinese, Japanese), where every word character is one token;
* F1 is computed on token multisets (bag of words), so it rewards finding the right text and
  penalises chrome, but does not care about block order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "CHARACTER_TOKEN_LANGUAGES",
    "TokenF1",
    "html_to_text",
    "mean",
    "normalize_block",
    "normalize_text",
    "token_f1",
    "tokenize",
]

# Languages whose words are not separated by spaces: a `\w+` "word" would be a whole clause,
# so each character counts as one token instead.
CHARACTER_TOKEN_LANGUAGES = frozenset({"zh", "ja"})

_WORD_RE = re.compile(r"\w+")
_WORD_CHAR_RE = re.compile(r"\w")
_BLANK_LINE_RE = re.compile(r"\n\s*\n")


def normalize_block(block: str) -> str:
    """Collapse every run of whitespace (including NBSP and newlines) to one space."""
    return " ".join(block.split())


def normalize_text(text: str) -> str:
    """Normalise a multi-paragraph text: blocks split on blank lines, collapsed, empty ones dropped."""
    blocks = (normalize_block(block) for block in _BLANK_LINE_RE.split(text or ""))
    return "\n\n".join(block for block in blocks if block)


def html_to_text(html: str) -> str:
    """Plain text of an HTML string (e.g. an extractor's article HTML), block by block, with
    the same conversion the extractor uses -- so that different extractors' HTML outputs are
    scored on equal terms."""
    import lxml.html

    from newslake.extraction.blocks import blocks_to_text, element_to_blocks

    if not html or not html.strip():
        return ""
    parser = lxml.html.HTMLParser(encoding="utf-8")
    root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    return blocks_to_text(element_to_blocks(root))


def _base_language(lang: str | None) -> str:
    """'zh-TW' -> 'zh'; None -> ''."""
    return (lang or "").replace("_", "-").split("-")[0].strip().lower()


def tokenize(text: str, lang: str | None = None) -> list[str]:
    """Lowercase tokens of `text`: words, or single characters for Chinese/Japanese."""
    lowered = (text or "").lower()
    if _base_language(lang) in CHARACTER_TOKEN_LANGUAGES:
        return _WORD_CHAR_RE.findall(lowered)
    return _WORD_RE.findall(lowered)


@dataclass(frozen=True)
class TokenF1:
    precision: float
    recall: float
    f1: float
    predicted_tokens: int
    expected_tokens: int


def token_f1(predicted: str, expected: str, lang: str | None = None) -> TokenF1:
    """Bag-of-tokens precision/recall/F1 of `predicted` against `expected`.

    Two empty texts agree perfectly (F1 = 1); one empty text against a non-empty one scores 0.
    """
    predicted_counts = Counter(tokenize(normalize_text(predicted), lang))
    expected_counts = Counter(tokenize(normalize_text(expected), lang))
    predicted_total = sum(predicted_counts.values())
    expected_total = sum(expected_counts.values())
    if predicted_total == 0 and expected_total == 0:
        return TokenF1(1.0, 1.0, 1.0, 0, 0)
    overlap = sum((predicted_counts & expected_counts).values())
    precision = overlap / predicted_total if predicted_total else 0.0
    recall = overlap / expected_total if expected_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return TokenF1(precision, recall, f1, predicted_total, expected_total)


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean; 0.0 for no values (keeps report code free of special cases)."""
    items = list(values)
    return sum(items) / len(items) if items else 0.0
