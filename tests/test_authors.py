"""Author (byline) extraction: co-author lists in four languages, dates and marks glued to a
byline, outlet names beside the person, and which byline elements of a page count.

Unit tests build small pages here; tests marked ``corpus`` read pages of the shared corpus
beside the repository (``../shared/corpus``) and skip when it is absent (a user's clone).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newslake.extract import extract_article
from newslake.extraction.metadata import clean_author_names

READABILITY_PAGES = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "readability-pages"
CORPUS_PAGE_URL = "http://fakehost/test/page.html"

requires_corpus = pytest.mark.skipif(
    not READABILITY_PAGES.is_dir(),
    reason=f"shared corpus not found at {READABILITY_PAGES} (only present beside the main checkout)",
)

PARAGRAPHS = "".join(
    f"<p>Le conseil régional de Fès-Meknès a voté le budget {i} jeudi, a-t-on appris à Rabat "
    "auprès de l'élu chargé des finances, qui a détaillé les projets retenus.</p>"
    for i in range(5)
)


def page(*, head: str = "", body: str = "", lang: str = "fr") -> str:
    return (
        f'<html lang="{lang}"><head><meta charset="utf-8"><title>Le budget de Fès</title>{head}</head>'
        f"<body>{body}<article><h1>Le budget de Fès</h1>{PARAGRAPHS}</article></body></html>"
    )


def meta_author(content: str) -> str:
    return f'<meta name="author" content="{content}">'


def authors_of(html: str, url: str = "https://example.ma/a/1") -> tuple[str, ...]:
    return extract_article(html, url).authors


def corpus_authors(name: str) -> tuple[str, ...]:
    html = (READABILITY_PAGES / name / "source.html").read_bytes().decode("utf-8-sig")
    return extract_article(html, CORPUS_PAGE_URL).authors


# --- co-authors (D7) --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Par Karim Alaoui avec MAP", ("Karim Alaoui", "MAP")),
        ("Par Karim Alaoui (avec AFP)", ("Karim Alaoui", "AFP")),
        ("Martin Untersinger (avec Damien Leloup et Morgane Tual)",
         ("Martin Untersinger", "Damien Leloup", "Morgane Tual")),
        ("Karim Alaoui et AFP", ("Karim Alaoui", "AFP")),
        # Parentheses that are part of a name are not split.
        ("Bruno (Henrique et Zecchin) Rodrigues", ("Bruno (Henrique et Zecchin) Rodrigues",)),
        # Unchanged: a comma before an acronym is a degree, "Mac & i" is one name.
        ("Jane Doe, MD", ("Jane Doe",)),
        ("Mac & i", ("Mac & i",)),
        ("Por Karim Alaoui y Sara Bennani", ("Karim Alaoui", "Sara Bennani")),
    ],
)
def test_co_authors_are_split(byline, expected):
    assert clean_author_names([byline]) == expected


def test_co_authors_with_avec_in_a_meta_tag():
    assert authors_of(page(head=meta_author("Par Karim Alaoui avec MAP"))) == ("Karim Alaoui", "MAP")


def test_structured_names_split_on_avec_too():
    assert clean_author_names(["Karim Alaoui avec Sara Bennani"], structured=True) == (
        "Karim Alaoui", "Sara Bennani",
    )


@pytest.mark.corpus
@requires_corpus
def test_lemonde_co_authors_in_parentheses():
    assert corpus_authors("lemonde-1") == ("Martin Untersinger", "Damien Leloup", "Morgane Tual")


# --- author meta holding only a URL (D8) ------------------------------------------------------

def test_url_only_author_meta_falls_back_to_the_byline_element():
    html = page(
        head='<meta property="article:author" content="https://www.facebook.com/karim.alaoui">',
        body='<div class="byline">Par Karim Alaoui</div>',
    )
    assert authors_of(html) == ("Karim Alaoui",)


@pytest.mark.corpus
@requires_corpus
@pytest.mark.parametrize(("name", "expected"), [("liberation-1", ("AFP",)), ("cnet-svg-classes", ("César Salza",))])
def test_corpus_url_only_author_meta(name, expected):
    assert corpus_authors(name) == expected


# --- byline elements outside the article (D9) -------------------------------------------------

def test_promo_and_more_by_bylines_are_not_authors():
    body = (
        '<div class="article-head"><span class="byline">Par Karim Alaoui</span></div>'
        '<a class="byline" href="/auteur/karim">More Karim Alaoui.</a>'
        '<section id="contentPromo"><span class="author">Sara Bennani</span></section>'
    )
    assert authors_of(page(body=body)) == ("Karim Alaoui",)


def test_teaser_cards_give_one_article_bylines_only():
    teasers = "".join(
        f'<article class="card"><h2>Titre {i}</h2><span class="byline">Auteur Numéro{i}</span></article>'
        for i in range(4)
    )
    html = (
        '<html lang="fr"><head><title>Le budget de Fès</title></head><body>'
        f"{teasers}<article><h1>Le budget de Fès</h1><span class='byline'>Par Karim Alaoui</span>"
        f"{PARAGRAPHS}</article></body></html>"
    )
    assert authors_of(html) == ("Karim Alaoui",)


@pytest.mark.corpus
@requires_corpus
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cnet", ("Steven Musil",)),
        ("salon-1", ("Richard (R.J.) Eskow",)),
        # A front page: the first card's byline, as readability's expected metadata has it.
        ("nytimes-5", ("Tariq Panja",)),
    ],
)
def test_corpus_bylines_outside_the_article_are_ignored(name, expected):
    assert corpus_authors(name) == expected


# --- dates and digits (D10) -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Karim Alaoui 24 novembre 2026", ("Karim Alaoui",)),
        ("Karim Alaoui, le 24 novembre 2026 à 10h30", ("Karim Alaoui",)),
        ("Karim Alaoui 3 févr. 2026", ("Karim Alaoui",)),
        ("Por Karim Alaoui 24 de noviembre de 2026", ("Karim Alaoui",)),
        ("by Lucas Nolan22 Dec 2016651", ("Lucas Nolan",)),
        ("Dan Goodin - Apr 16, 2015 1:20 pm UTC", ("Dan Goodin",)),
        ("محمد العلوي الثلاثاء 24 نونبر 2026", ("محمد العلوي",)),
        ("محمد العلوي 3 أبريل 2026", ("محمد العلوي",)),
        ("Karim Alaoui • Publié le 24/11/2026 à 10h30", ("Karim Alaoui",)),
        ("Karim Alaoui publié le 24/11/2026", ("Karim Alaoui",)),
        # Names that contain a month word stay whole.
        ("Bruno Mars", ("Bruno Mars",)),
        ("Theresa May", ("Theresa May",)),
    ],
)
def test_dates_glued_to_a_byline_are_cut(byline, expected):
    assert clean_author_names([byline]) == expected


@pytest.mark.parametrize(
    "desk", ["Rédaction Le360", "Médias24", "2M", "H24info", "Alyaoum24", "Le360", "Médias 24", "اليوم 24"]
)
def test_outlet_desks_with_digits_are_kept(desk):
    assert clean_author_names([desk]) == (desk,)


@pytest.mark.parametrize("noise", ["Karim Alaoui 2026", "12 commentaires", "Karim Alaoui 10:30", "CC7567"])
def test_numbers_left_beside_a_name_still_reject_it(noise):
    assert clean_author_names([noise]) == ()


@pytest.mark.corpus
@requires_corpus
def test_breitbart_byline_without_its_date():
    assert corpus_authors("breitbart") == ("Lucas Nolan",)


# --- Arabic bylines (D11) ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("\u200fبقلم: محمد العلوي\u200f", ("محمد العلوي",)),
        ("\u202bكتبه: محمد العلوي\u202c", ("محمد العلوي",)),
        ("\u2067محمد العلوي\u2069\u200b", ("محمد العلوي",)),
        ("بقلم:محمد العلوي", ("محمد العلوي",)),
        ("محمد العلوي و سعاد بناني", ("محمد العلوي", "سعاد بناني")),
        ("محمد العلوي، سعاد بناني", ("محمد العلوي", "سعاد بناني")),
        # Attached "و" may be part of a name ("وليد"): not split.
        ("محمد العلوي وسعاد بناني", ("محمد العلوي وسعاد بناني",)),
        ("حاوره: محمد العلوي", ("محمد العلوي",)),
        ("إعداد: سعاد بناني", ("سعاد بناني",)),
        ("المصدر: هسبريس", ("هسبريس",)),
        ("كتبت سعاد بناني", ("سعاد بناني",)),
        ("بواسطة محمد العلوي", ("محمد العلوي",)),
    ],
)
def test_arabic_bylines(byline, expected):
    assert clean_author_names([byline]) == expected


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("هسبريس - محمد العلوي", ("محمد العلوي",)),
        ("محمد العلوي - هسبريس", ("محمد العلوي",)),
        ("Hespress - Karim Alaoui", ("Karim Alaoui",)),
        ("هسبريس", ("هسبريس",)),  # the outlet alone is the byline it gives
    ],
)
def test_outlet_beside_the_person_is_dropped(byline, expected):
    assert clean_author_names([byline], site_keys={"هسبريس", "hespress"}) == expected


def test_arabic_byline_in_a_page():
    html = page(
        lang="ar",
        head='<meta property="og:site_name" content="هسبريس">' + meta_author("هسبريس - محمد العلوي"),
    )
    assert authors_of(html, "https://www.hespress.com/a-1.html") == ("محمد العلوي",)
    html = page(lang="ar", head=meta_author("\u200fبقلم: محمد العلوي و سعاد بناني\u200f"))
    assert authors_of(html) == ("محمد العلوي", "سعاد بناني")
