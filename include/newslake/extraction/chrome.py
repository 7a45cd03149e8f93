"""Site-independent removal of page chrome that readability leaves inside the article.

Readability picks the right container but keeps what sits in it: share bars ("Facebook Twitter
WhatsApp"), "Read more"/"Lire aussi" teasers, "Advertisement" labels. A block is dropped only
when it is short AND made of interface vocabulary (or is a short all-link block with such
vocabulary); prose is never touched, except that a "Related"/"Sur le même sujet" section label in
the second half of the text ends the article. The vocabulary covers the languages we follow
(fr/en/es/ar); there are no per-site rules here.
"""

from __future__ import annotations

import re

from .blocks import HEADING_TAGS, TextBlock
from .dates import normalize_for_dates

# Longest block that can be pure interface text.
MAX_CHROME_WORDS = 12

# Words that make up share bars and similar widgets; a block made only of these is chrome.
_WIDGET_VOCABULARY = """
    facebook twitter x whatsapp linkedin pinterest telegram reddit messenger tumblr viber
    flipboard google news rss newsletter email e mail print imprimer imprimir
    share shares partager partagez compartir comparte tweet tweeter
    copy copier copiar link lien enlace url save enregistrer sauvegarder guardar
    comment comments commenter commentaires comentarios comentar
    follow suivre seguir subscribe s'abonner abonnez suscribete
    signaler report reportar denunciar send envoyer enviar
    us nous vous on sur en el la le les une the this cet article articulo image
    شارك مشاركة طباعة تويتر فيسبوك واتساب ارسال تابعنا على
"""

# Whole-block interface phrases.
_CHROME_PHRASE_LIST = (
    "read more", "lire la suite", "lire plus", "en savoir plus", "leer más", "ver más",
    "seguir leyendo", "continue reading", "show more", "voir plus", "afficher plus",
    "اقرأ المزيد", "المزيد", "advertisement", "advertising", "sponsored", "publicité",
    "publicidad", "annonce", "anuncio", "إعلان", "pub", "ad", "contenu sponsorisé",
    "contenido patrocinado", "sponsored content", "share this article",
    "partager cet article", "compartir este artículo", "share this story",
    "click to share", "follow us", "suivez-nous", "síguenos", "تابعونا", "back to top",
    "retour en haut", "volver arriba", "skip to content", "aller au contenu",
    "ir al contenido", "report an image", "signaler une image",
)


_PUNCTUATION_RE = re.compile(r"[^\w\s']+")


def _normalized_words(text: str) -> list[str]:
    """Lowercase words without accents or punctuation (unified Arabic letter forms)."""
    return _PUNCTUATION_RE.sub(" ", normalize_for_dates(text.replace("\u2019", "'"))).split()


# Both vocabularies are compared in normalised form, so normalise them the same way.
_WIDGET_WORDS = frozenset(_normalized_words(_WIDGET_VOCABULARY))
_CHROME_PHRASES = frozenset(" ".join(_normalized_words(p)) for p in _CHROME_PHRASE_LIST)

# "Lire aussi : <linked headline>" teasers: dropped when the only unlinked text is the label.
_TEASER_LABEL_RE = re.compile(
    r"^(?:lire\s+aussi|a\s+lire\s+aussi|voir\s+aussi|a\s+lire|lisez\s+aussi|read\s+also|"
    r"read\s+more|also\s+read|see\s+also|related|related\s+articles?|recommended|"
    r"lee\s+tambien|leer\s+tambien|ver\s+tambien|te\s+puede\s+interesar|relacionad[oa]s?|"
    r"sur\s+le\s+meme\s+sujet|dans\s+la\s+meme\s+rubrique|"
    r"اقرا\s+ايضا|اقرا\s+كذلك|مواضيع\s+ذات\s+صله|ذات\s+صله)$"
)
# Labels that open a list of other articles at the end of a story (normalised text). Inline
# "Lire aussi" boxes are left to the teaser rule: they also appear mid-article.
_RELATED_SECTION_RE = re.compile(
    r"^(?:related|related\s+(?:posts?|articles?|stories|content|news|coverage)"
    r"|you\s+(?:may|might)\s+also\s+like|recommended(?:\s+for\s+you)?"
    r"|most\s+(?:read|popular|viewed)|like\s+this|share\s+this"
    r"|sur\s+le\s+meme\s+sujet|articles?\s+similaires|dans\s+la\s+meme\s+rubrique"
    r"|les\s+plus\s+lus|vous\s+aimerez\s+aussi|a\s+voir\s+aussi"
    r"|noticias\s+relacionadas|articulos\s+relacionados|te\s+puede\s+interesar"
    r"|tambien\s+te\s+puede\s+interesar|lo\s+mas\s+leido|mas\s+noticias"
    r"|مواضيع\s+ذات\s+صله|اخبار\s+ذات\s+صله|مقالات\s+ذات\s+صله|الاكثر\s+قراءه)$"
)
# "More from Politics", "Plus d'articles", "Más en Opinión": section labels only as headings.
_MORE_SECTION_HEADING_RE = re.compile(
    r"^(?:more\s+(?:from|on|in|stories)|plus\s+d'?\s*(?:articles|actualites|infos)|mas\s+en)\b"
)
# An ellipsis followed by a "read more" link label ends a teaser of another article.
_TEASER_SUMMARY_RE = re.compile(
    r"(?:…|\.\.\.)\s*(?:\[?\s*)?(?:read\s+more|lire\s+la\s+suite|lire\s+plus|leer\s+mas|"
    r"seguir\s+leyendo|continue\s+reading|suite|اقرا\s+المزيد|المزيد)(?:\W|$)"
)
# Short "By Jane Doe" / "Par ..." / "Por ..." / "بقلم ..." lines at the top of the article.
_BYLINE_RE = re.compile(
    r"^\s*(?:by|par|por|بقلم|written\s+by|reviewed\s+by|ecrit\s+par|écrit\s+par|escrito\s+por)\s+\S",
    re.IGNORECASE,
)
MAX_BYLINE_WORDS = 12
# How many blocks at the top of the article may hold the headline and bylines.
LEADING_BLOCKS = 4


def is_chrome_block(block: TextBlock) -> bool:
    if block.link_chars and len(block.unlinked_text) <= 40 and _TEASER_LABEL_RE.match(
        " ".join(_normalized_words(block.unlinked_text))
    ):
        return True
    words = _normalized_words(block.text)
    if not words or len(words) > MAX_CHROME_WORDS:
        # Symbol-only blocks ("* * *" section breaks) are kept: they are part of the article.
        return False
    phrase = " ".join(words)
    if phrase in _CHROME_PHRASES:
        return True
    if block.tag not in HEADING_TAGS and all(word in _WIDGET_WORDS for word in words):
        # "Facebook Twitter WhatsApp", "Partager sur Facebook", "Signaler une image".
        return True
    return False


def _is_related_section_label(block: TextBlock) -> bool:
    phrase = " ".join(_normalized_words(block.text))
    if not phrase or len(phrase) > 40:
        return False
    if _RELATED_SECTION_RE.match(phrase):
        return True
    return block.tag in HEADING_TAGS and bool(_MORE_SECTION_HEADING_RE.match(phrase))


def _is_teaser_summary(block: TextBlock) -> bool:
    """"First words of another article… Read more": a teaser cut off with an ellipsis."""
    return bool(_TEASER_SUMMARY_RE.search(normalize_for_dates(block.text)))


def _is_byline(block: TextBlock) -> bool:
    return len(block.text.split()) <= MAX_BYLINE_WORDS and bool(_BYLINE_RE.match(block.text))


def _title_key(text: str) -> str:
    return " ".join(_normalized_words(text))


def clean_article_blocks(
    blocks: list[TextBlock], title: str | None
) -> tuple[list[TextBlock], list[TextBlock]]:
    """Split readability's blocks into (kept, removed) article text.

    Removed: interface text (share bars, "Read more", ad labels), teasers of other articles,
    a "Related"/"Lire aussi" section in the second half of the text together with everything
    after it, and at the top of the article the headline (the title is a separate field) and
    short bylines (authors are a separate field).
    """
    removed_ids: set[int] = set()
    total_chars = sum(len(block.text) for block in blocks) or 1
    chars_before = 0
    for index, block in enumerate(blocks):
        if chars_before > total_chars / 2 and _is_related_section_label(block):
            removed_ids.update(id(b) for b in blocks[index:])
            break
        chars_before += len(block.text)
        if is_chrome_block(block) or _is_teaser_summary(block):
            removed_ids.add(id(block))
    title_key = _title_key(title) if title else None
    for block in blocks[:LEADING_BLOCKS]:
        if (title_key and _title_key(block.text) == title_key) or _is_byline(block):
            removed_ids.add(id(block))
    kept = [block for block in blocks if id(block) not in removed_ids]
    removed = [block for block in blocks if id(block) in removed_ids]
    return kept, removed
