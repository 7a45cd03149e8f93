"""Language of the article text (py3langid), with the page's declared language as fallback.

The text decides, not ``<html lang>``: aggregators wrap articles in their own page language
(a French page around an English article). The declared language is only used when the text is
too short for a reliable guess.
"""

from __future__ import annotations

import re
import threading

# Below this many letters the n-gram model's guess is not worth more than <html lang>.
MIN_TEXT_LETTERS = 40
# The first part of the text is enough for identification and keeps long pages cheap.
MAX_SAMPLE_CHARS = 5_000

_LETTER_RE = re.compile(r"[^\W\d_]")
_LANGUAGE_TAG_RE = re.compile(r"^\s*([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]+)*\s*$")

_identifier = None
_identifier_lock = threading.Lock()


def _get_identifier():
    """py3langid's model, loaded once per process on first use: 0.54 to 0.75 CPU s on this machine
    (session 10), of which LZMA-decompressing its 68 MB npz is most (docs/PERFORMANCE.md, "A day of
    a real outlet's size")."""
    global _identifier
    if _identifier is None:
        with _identifier_lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def normalize_language_tag(tag: str | None) -> str | None:
    """'fr-FR' -> 'fr', 'en_US' -> 'en'; None for anything that is not a language tag."""
    if not tag:
        return None
    match = _LANGUAGE_TAG_RE.match(tag)
    if not match:
        return None
    code = match.group(1).lower()
    return code if len(code) == 2 else None


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of `text`; the declared page language if the text is too short."""
    sample = text[:MAX_SAMPLE_CHARS] if text else ""
    if len(_LETTER_RE.findall(sample[:2000])) < MIN_TEXT_LETTERS:
        return normalize_language_tag(declared)
    try:
        language, _confidence = _get_identifier().classify(sample)
    except Exception:
        return normalize_language_tag(declared)
    # The model's answer stands even when it is no ISO 639-1 code: it says "zxx" for Amazigh in
    # Tifinagh, which it does not know, and the page's "ar" or "fr" would be a wrong answer
    # where none (null) is the true one.
    return normalize_language_tag(language)
