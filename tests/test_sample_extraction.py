"""The extractor on every article page of the sample site, field by field, against the ground truth.

Each page is fetched over HTTP from the sample site (``sample_site`` fixture) and extracted the
way the pipeline does it: the page's URL, the outlet's timezone and a fetch time after the
article was published (and updated). Every field of ``ArticleExtraction`` is checked against
``newslake.sample_site.content``; the outlets declare tags, image and access each their own way
(see ``newslake.sample_site.pages``), so together they cover every metadata path in all four
languages, and the aggregator's copies cover lineage.

A field the extractor gets wrong on a realistic page is listed in ``KNOWN_MISTAKES`` with the
reason and expected to fail (strictly, so a fix shows up as an unexpected pass).
"""

from __future__ import annotations

import html
import urllib.request
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from newslake.extract import ArticleExtraction, extract_article
from newslake.sample_site.chrome import LABELS, READER_COMMENTS
from newslake.sample_site.content import (
    ACCESS_FREE,
    ACCESS_PAYWALLED,
    ACCESS_UNKNOWN,
    AGGREGATOR_ARTICLES,
    ARTICLES,
    ORIGINAL_ARTICLES,
    OUTLETS,
    SampleArticle,
    original_of,
    outlet,
)
from newslake.sample_site.pages import summary
from newslake.sample_site.urls import absolute, expected_url
from samplepages import json_ld_news_article

# (outlet id, slug, field) -> why the extractor is expected to get that field wrong there.
KNOWN_MISTAKES: dict[tuple[str, str, str], str] = {}

# Words of the aggregator's own page around a copy (credit line, source link, widgets).
AGGREGATOR_CHROME = (
    "Publié dans",
    "Cliquez ici pour lire l'article depuis sa source.",
    "Signaler une image",
    "Merci pour votre signalement.",
    "Les plus lus",
    "À la une",
    "rassemble les articles de la presse marocaine",
)


def article_id(article: SampleArticle) -> str:
    return f"{article.outlet_id}/{article.slug}"


def cases(field: str, articles: tuple[SampleArticle, ...] = ARTICLES) -> list:
    """One test case per article, named ``outlet/slug``, xfail where a mistake is known."""
    params = []
    for article in articles:
        reason = KNOWN_MISTAKES.get((article.outlet_id, article.slug, field))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(article, id=article_id(article), marks=marks))
    return params


def fetched_at(article: SampleArticle) -> datetime:
    """When a crawler would fetch the page: half a day after its last change."""
    return (article.modified_at or article.published_at) + timedelta(hours=12)


_extractions: dict[tuple[str, str], ArticleExtraction] = {}


@pytest.fixture
def extracted(sample_site, request) -> Iterator:
    """``extracted(article)``: the extraction of the article's page, served by the sample site
    (each page is fetched and extracted once per session)."""

    def extract(article: SampleArticle) -> ArticleExtraction:
        url = expected_url(article, sample_site.base_url)
        key = (sample_site.base_url, url)
        if key not in _extractions:
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200, url
                charset = response.headers.get_content_charset()
                page = response.read().decode(charset)
            _extractions[key] = extract_article(
                page,
                url,
                default_timezone=outlet(article.outlet_id).timezone,
                fetched_at=fetched_at(article),
            )
        return _extractions[key]

    yield extract


# --- the ground truth covers every field --------------------------------------------------------

def test_every_outlet_and_language_exercises_tags_image_and_each_access_value():
    for site_outlet in OUTLETS:
        articles = [a for a in ARTICLES if a.outlet_id == site_outlet.id]
        assert all(a.image_path and a.tags for a in articles), site_outlet.id
        if site_outlet.is_aggregator:
            assert {a.access for a in articles} == {ACCESS_UNKNOWN}
            assert {a.language for a in articles} >= {"fr", "en", "es", "ar"}
            continue
        assert {a.access for a in articles} == {ACCESS_FREE, ACCESS_PAYWALLED, ACCESS_UNKNOWN}
        assert all(2 <= len(a.tags) <= 4 for a in articles), site_outlet.id
        assert any(a.modified_at for a in articles) and any(len(a.authors) > 1 for a in articles)
    copied = {original_of(copy).access for copy in AGGREGATOR_ARTICLES}
    assert ACCESS_PAYWALLED in copied  # a paywalled original republished in full


@pytest.mark.parametrize(
    "article", [a for a in ORIGINAL_ARTICLES if a.access == ACCESS_PAYWALLED], ids=article_id)
def test_a_paywalled_page_carries_its_full_text_and_names_the_paywalled_part(sample_site, article):
    with urllib.request.urlopen(expected_url(article, sample_site.base_url), timeout=10) as response:
        document = lxml.html.document_fromstring(response.read().decode("utf-8"))
    part = json_ld_news_article(document)["hasPart"]
    assert part["@type"] == "WebPageElement" and part["isAccessibleForFree"] in (False, "False")
    [paywalled] = document.cssselect(part["cssSelector"])
    inside = [p.text_content() for p in paywalled.iter("p")]
    assert inside == list(article.paragraphs[1:])  # all but the teaser paragraph


# --- the extraction, field by field -------------------------------------------------------------

@pytest.mark.parametrize("article", cases("ok"))
def test_the_page_is_extracted_as_an_article(extracted, article):
    result = extracted(article)
    assert (result.ok, result.reason) == (True, None), article.path
    assert result.extractor


@pytest.mark.parametrize("article", cases("title"))
def test_title(extracted, article):
    assert extracted(article).title == article.title


@pytest.mark.parametrize("article", cases("text"))
def test_text_is_exactly_the_paragraphs(extracted, article):
    assert extracted(article).text == "\n\n".join(article.paragraphs)


@pytest.mark.parametrize("article", cases("content_html"))
def test_content_html_holds_every_paragraph_and_no_chrome(extracted, article):
    content = html.unescape(extracted(article).content_html or "")
    missing = [p[:60] for p in article.paragraphs if p not in content]
    assert not missing, f"paragraphs missing from content_html: {missing}"
    if article.is_aggregator_copy:
        chrome = list(AGGREGATOR_CHROME)
    else:
        labels = LABELS[article.language]
        chrome = [
            labels.newsletter_title, labels.newsletter_text, labels.cookie_text,
            labels.leave_comment, labels.subscribers_only, labels.most_read, labels.related,
            labels.read_also, "Advertisement", labels.rights.format(name=outlet(article.outlet_id).name),
            *(text for _, text in READER_COMMENTS[article.language]),
        ]
    # Other articles' headlines are the ticker, "most read" and "related" widgets.
    chrome += [a.title for a in ARTICLES if a.title != article.title]
    own_text = "\n".join(article.paragraphs)
    leaked = [words for words in chrome if words not in own_text and words in content]
    assert not leaked, f"chrome in content_html: {leaked}"


@pytest.mark.parametrize("article", cases("authors"))
def test_authors(extracted, article):
    assert extracted(article).authors == article.authors


@pytest.mark.parametrize("article", cases("published_at"))
def test_published_at(extracted, article):
    result = extracted(article)
    assert result.published_precision == article.published_precision
    if article.published_precision == "date":
        # The aggregator prints only the original's local day: midnight of it, local time.
        tz = ZoneInfo(outlet(article.outlet_id).timezone)
        expected = datetime.combine(original_of(article).local_date, time(0), tzinfo=tz)
    else:
        expected = article.published_at
    assert result.published_at is not None and result.published_at.tzinfo is not None
    assert result.published_at == expected  # the same instant, whatever the offset


@pytest.mark.parametrize("article", cases("modified_at"))
def test_modified_at(extracted, article):
    assert extracted(article).modified_at == article.modified_at


@pytest.mark.parametrize("article", cases("language"))
def test_language_is_the_texts_not_the_pages(extracted, article):
    assert extracted(article).language == article.language


@pytest.mark.parametrize("article", cases("site_name"))
def test_site_name_is_the_outlet_serving_the_page(extracted, article):
    assert extracted(article).site_name == outlet(article.outlet_id).name


@pytest.mark.parametrize("article", cases("canonical_url"))
def test_canonical_url(extracted, sample_site, article):
    assert extracted(article).canonical_url == expected_url(article, sample_site.base_url)


@pytest.mark.parametrize("article", cases("description"))
def test_description(extracted, article):
    assert extracted(article).description == summary(article)


@pytest.mark.parametrize("article", cases("image_url"))
def test_image_url_is_absolute(extracted, sample_site, article):
    assert article.image_path is not None
    assert extracted(article).image_url == absolute(article.image_path, sample_site.base_url)


@pytest.mark.parametrize("article", cases("section"))
def test_section(extracted, article):
    assert extracted(article).section == article.section


@pytest.mark.parametrize("article", cases("tags"))
def test_tags(extracted, article):
    assert extracted(article).tags == article.tags


@pytest.mark.parametrize("article", cases("access"))
def test_access_is_what_the_page_declares(extracted, article):
    assert extracted(article).access == article.access


@pytest.mark.parametrize("article", cases("origin", AGGREGATOR_ARTICLES))
def test_a_copy_names_the_outlet_and_url_it_came_from(extracted, sample_site, article):
    original = original_of(article)
    result = extracted(article)
    assert result.origin_publisher == outlet(original.outlet_id).name
    assert result.origin_url == expected_url(original, sample_site.base_url)


@pytest.mark.parametrize("article", cases("origin", ORIGINAL_ARTICLES))
def test_an_original_has_no_origin(extracted, article):
    result = extracted(article)
    assert (result.origin_publisher, result.origin_url) == (None, None)
