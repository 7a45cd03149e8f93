"""The offline sample news site: its content, pages, feeds, sitemaps and HTTP server.

Pages are fetched over real HTTP from ``serve_sample_site`` and parsed with lxml/feedparser,
so these tests check what a crawler would actually see.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest

from newslake.sample_site import (
    AGGREGATOR_ARTICLES,
    ARTICLES,
    DELETED_PATHS,
    ORIGINAL_ARTICLES,
    OUTLETS,
    SAMPLE_DATES,
    SampleArticle,
    archive_url,
    articles_for,
    articles_of,
    expected_url,
    feed_url,
    original_of,
    outlet,
    render,
    serve_sample_site,
    sitemap_url,
)
from newslake.sample_site.chrome import SECTION_SLUGS
from newslake.sample_site.feeds import (
    FEED_SIZE,
    NEWS_SITEMAP_OUTLET,
    TRACKED_FEED_OUTLET,
)
from newslake.sample_site.server import entity_tag
from samplepages import json_ld_news_article

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
              "news": "http://www.google.com/schemas/sitemap-news/0.9"}
NEWS_OUTLETS = [o for o in OUTLETS if not o.is_aggregator]
AGGREGATOR = next(o for o in OUTLETS if o.is_aggregator)
DAY_BEFORE = date(2026, 11, 22)


@pytest.fixture(scope="module")
def base_url():
    with serve_sample_site() as site:
        yield site.base_url


def fetch(url: str, method: str = "GET") -> tuple[int, str, bytes]:
    """(status, content type, body) of a request, 4xx included."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["Content-Type"], error.read()


def fetch_html(url: str) -> lxml.html.HtmlElement:
    status, content_type, body = fetch(url)
    assert status == 200, url
    assert content_type == "text/html; charset=utf-8"
    return lxml.html.document_fromstring(body.decode("utf-8"))


def meta_property(document: lxml.html.HtmlElement, name: str) -> str | None:
    values = document.xpath(f'//meta[@property="{name}"]/@content')
    return values[0] if values else None


def same_instant(text: str, expected: datetime) -> bool:
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None, f"{text} has no offset"
    return parsed == expected


# --- content ------------------------------------------------------------------------------------

def test_two_original_articles_per_outlet_per_sample_day_and_one_the_day_before():
    for news_outlet in NEWS_OUTLETS:
        for day in SAMPLE_DATES:
            assert len(articles_for(news_outlet.id, day)) == 2, (news_outlet.id, day)
        assert articles_for(news_outlet.id, DAY_BEFORE), news_outlet.id
    assert len(ORIGINAL_ARTICLES) == 4 * 2 * 3 + len(NEWS_OUTLETS)
    assert {o.language for o in NEWS_OUTLETS} == {"fr", "en", "es", "ar"}


def test_the_aggregator_republishes_two_articles_a_day_verbatim_in_many_languages():
    for day in SAMPLE_DATES:
        assert len(articles_for(AGGREGATOR.id, day)) == 2
    for copy in AGGREGATOR_ARTICLES:
        original = original_of(copy)
        assert not outlet(original.outlet_id).is_aggregator
        assert (copy.title, copy.paragraphs, copy.language) == (
            original.title, original.paragraphs, original.language)
    assert len({copy.language for copy in AGGREGATOR_ARTICLES}) >= 3


@pytest.mark.parametrize("article", ORIGINAL_ARTICLES, ids=lambda a: a.path)
def test_articles_have_four_to_six_substantial_paragraphs(article: SampleArticle):
    assert 4 <= len(article.paragraphs) <= 6
    for paragraph in article.paragraphs:
        assert 40 <= len(paragraph.split()) <= 90, paragraph[:60]
    assert article.language == outlet(article.outlet_id).language
    assert article.published_at.tzinfo is not None
    assert article.authors and article.section in SECTION_SLUGS[article.outlet_id]
    if article.language == "ar":
        assert any("\u0600" <= ch <= "\u06ff" for ch in article.paragraphs[0])


def test_articles_are_unique_and_in_a_stable_order():
    assert len({a.path for a in ARTICLES}) == len(ARTICLES)
    assert len({a.title for a in ORIGINAL_ARTICLES}) == len(ORIGINAL_ARTICLES)
    assert list(ARTICLES) == sorted(ARTICLES, key=lambda a: (a.published_at, a.outlet_id))
    assert not set(DELETED_PATHS) & {a.path for a in ARTICLES}


def test_each_outlet_has_an_article_just_after_local_midnight_that_is_the_previous_utc_day():
    for news_outlet in NEWS_OUTLETS:
        midnight = [a for a in articles_of(news_outlet.id)
                    if a.published_at.astimezone(UTC).date() != a.local_date]
        assert midnight, news_outlet.id
        for article in midnight:
            assert article.local_published_at.hour == 0
            assert f"/{article.local_date:%Y/%m/%d}/" in article.path
            utc_day = article.published_at.astimezone(UTC).date()
            assert article in articles_for(news_outlet.id, article.local_date)
            assert article not in articles_for(news_outlet.id, utc_day)


def test_unknown_outlet_is_an_error_not_an_empty_day():
    with pytest.raises(KeyError):
        articles_for("no-such-outlet", SAMPLE_DATES[0])


# --- article pages -----------------------------------------------------------------------------

@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.path)
def test_every_article_page_is_served_with_its_title_and_every_paragraph(base_url, article):
    document = fetch_html(expected_url(article, base_url))
    assert [h1.text_content().strip() for h1 in document.iter("h1")] == [article.title]
    page_paragraphs = [p.text_content() for p in document.iter("p")]
    for paragraph in article.paragraphs:
        assert paragraph in page_paragraphs
    assert document.xpath('//link[@rel="canonical"]/@href') == [expected_url(article, base_url)]
    assert document.get("lang") == ("fr" if article.is_aggregator_copy else article.language)
    assert (document.get("dir") == "rtl") == (document.get("lang") == "ar")


@pytest.mark.parametrize("article", ORIGINAL_ARTICLES, ids=lambda a: a.path)
def test_article_head_carries_opengraph_and_json_ld(base_url, article):
    document = fetch_html(expected_url(article, base_url))
    site_name = outlet(article.outlet_id).name
    assert document.findtext(".//title") == f"{article.title} | {site_name}"
    assert meta_property(document, "og:title") == article.title
    assert meta_property(document, "og:site_name") == site_name
    assert meta_property(document, "og:url") == expected_url(article, base_url)
    assert meta_property(document, "og:type") == "article"
    assert meta_property(document, "og:description")
    assert meta_property(document, "article:section") == article.section
    assert same_instant(meta_property(document, "article:published_time"), article.published_at)
    modified = meta_property(document, "article:modified_time")
    assert (modified is None) == (article.modified_at is None)
    news = json_ld_news_article(document)
    assert news["headline"] == article.title
    assert same_instant(news["datePublished"], article.published_at)
    if article.modified_at is None:
        assert "dateModified" not in news
    else:
        assert same_instant(modified, article.modified_at)
        assert same_instant(news["dateModified"], article.modified_at)
    authors = news["author"] if isinstance(news["author"], list) else [news["author"]]
    assert tuple(a["name"] for a in authors) == article.authors
    assert news["publisher"]["name"] == site_name


@pytest.mark.parametrize("article", ORIGINAL_ARTICLES, ids=lambda a: a.path)
def test_article_chrome_shows_other_headlines_and_two_comments(base_url, article):
    document = fetch_html(expected_url(article, base_url))
    link_texts = [a.text_content() for a in document.iter("a")]
    others = {a.title for a in articles_of(article.outlet_id)} - {article.title}
    assert len(others & set(link_texts)) >= 4  # ticker, most read, related
    assert article.title not in link_texts
    assert len(document.xpath('//*[@id="comments"]//p')) == 2


def test_outlet_layouts_differ_the_way_real_sites_do(base_url):
    def first(outlet_id: str) -> lxml.html.HtmlElement:
        return fetch_html(expected_url(articles_of(outlet_id)[0], base_url))

    assert first("atlas-gazette").xpath("//article//time[@datetime]")
    assert not first("casablanca-courier").xpath("//article")
    spanish = first("diario-del-estrecho")
    article = articles_of("diario-del-estrecho")[0]
    assert not spanish.xpath("//body//time")  # the date is only visible text, day first
    assert f"{article.local_published_at:%d/%m/%Y}" in spanish.text_content()


@pytest.mark.parametrize("copy", AGGREGATOR_ARTICLES, ids=lambda a: a.path)
def test_aggregator_page_credits_the_original_and_links_to_it(base_url, copy):
    original = original_of(copy)
    document = fetch_html(expected_url(copy, base_url))
    text = " ".join(document.text_content().split())
    credit = f"Publié dans {outlet(original.outlet_id).name} le {original.local_date:%d - %m - %Y}"
    assert credit in text
    links = document.xpath(
        '//a[normalize-space()="Cliquez ici pour lire l\'article depuis sa source."]/@href')
    assert links == [expected_url(original, base_url)]
    assert fetch(links[0])[0] == 200
    assert "À la une" in text and "Les plus lus" in text
    ticker_languages = {a.language for a in ORIGINAL_ARTICLES if a.title in text}
    assert len(ticker_languages) >= 3


# --- feeds, sitemaps, archives, robots ----------------------------------------------------------

def _strip_query(url: str) -> str:
    return url.split("?", 1)[0]


@pytest.mark.parametrize("site_outlet", OUTLETS, ids=lambda o: o.id)
def test_feed_holds_the_latest_items_and_its_links_resolve(base_url, site_outlet):
    status, content_type, body = fetch(feed_url(site_outlet, base_url))
    assert status == 200
    assert content_type == f"application/{site_outlet.feed_format}+xml; charset=utf-8"
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version.startswith(site_outlet.feed_format)
    assert len(parsed.entries) == FEED_SIZE
    published = [datetime(*e.published_parsed[:6], tzinfo=UTC) for e in parsed.entries]
    assert published == sorted(published, reverse=True)
    articles_by_url = {expected_url(a, base_url): a for a in articles_of(site_outlet.id)}
    for entry, when in zip(parsed.entries, published, strict=True):
        if site_outlet.id == TRACKED_FEED_OUTLET:
            assert "utm_source=rss&utm_medium=feed" in entry.link
        status, _, _ = fetch(entry.link)
        if urlsplit(entry.link).path in DELETED_PATHS:
            assert status == 404
            continue
        assert status == 200, entry.link
        article = articles_by_url[_strip_query(entry.link)]
        assert entry.title == article.title
        assert when == article.published_at


@pytest.mark.parametrize("site_outlet", OUTLETS, ids=lambda o: o.id)
def test_the_earliest_day_is_only_in_the_sitemap(base_url, site_outlet):
    feed_links = {_strip_query(e.link) for e in feedparser.parse(
        fetch(feed_url(site_outlet, base_url))[2]).entries}
    early = [expected_url(a, base_url) for a in articles_for(site_outlet.id, DAY_BEFORE)]
    assert early and not set(early) & feed_links


@pytest.mark.parametrize("site_outlet", OUTLETS, ids=lambda o: o.id)
def test_sitemap_lists_every_article_of_the_outlet_with_its_date(base_url, site_outlet):
    status, content_type, body = fetch(sitemap_url(site_outlet, base_url))
    assert (status, content_type) == (200, "application/xml; charset=utf-8")
    root = lxml.etree.fromstring(body)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    entries = {u.findtext("s:loc", namespaces=SITEMAP_NS): u for u in root.findall("s:url", SITEMAP_NS)}
    articles = articles_of(site_outlet.id)
    assert set(entries) == {expected_url(a, base_url) for a in articles}
    for article in articles:
        entry = entries[expected_url(article, base_url)]
        lastmod = entry.findtext("s:lastmod", namespaces=SITEMAP_NS)
        assert same_instant(lastmod, article.modified_at or article.published_at)
        if site_outlet.id == NEWS_SITEMAP_OUTLET:
            news_date = entry.findtext("news:news/news:publication_date", namespaces=SITEMAP_NS)
            assert same_instant(news_date, article.published_at)
            assert entry.findtext("news:news/news:title", namespaces=SITEMAP_NS) == article.title
    assert fetch(next(iter(entries)))[0] == 200


def test_the_deleted_story_is_in_the_english_feed_but_its_page_is_gone(base_url):
    assert len(DELETED_PATHS) == 1
    deleted_path = DELETED_PATHS[0]
    assert deleted_path.startswith("/casablanca-courier/2026/11/24/")
    feed = feedparser.parse(fetch(feed_url("casablanca-courier", base_url))[2])
    assert deleted_path in {urlsplit(e.link).path for e in feed.entries}
    status, content_type, _ = fetch(base_url + deleted_path)
    assert (status, content_type) == (404, "text/html; charset=utf-8")
    sitemap = fetch(sitemap_url("casablanca-courier", base_url))[2].decode()
    assert deleted_path not in sitemap


@pytest.mark.parametrize("site_outlet", OUTLETS, ids=lambda o: o.id)
def test_date_archives_list_that_days_articles(base_url, site_outlet):
    for day in (DAY_BEFORE, *SAMPLE_DATES):
        document = fetch_html(archive_url(site_outlet, day, base_url))
        listed = {a.get("href") for a in document.xpath("//main//a")}
        assert listed == {a.path for a in articles_for(site_outlet.id, day)}
    assert fetch(archive_url(site_outlet, date(2026, 11, 20), base_url))[0] == 200
    assert fetch(f"{base_url}/{site_outlet.id}/archives/2026/02/30/")[0] == 404


def test_home_pages_list_articles_and_are_not_articles(base_url):
    for site_outlet in OUTLETS:
        document = fetch_html(f"{base_url}/{site_outlet.id}/")
        listed = {a.get("href") for a in document.xpath("//main//a")}
        assert listed == {a.path for a in articles_of(site_outlet.id)}
        assert not document.xpath('//meta[@property="og:type"][@content="article"]')


def test_robots_allows_everything_and_names_every_sitemap(base_url):
    status, content_type, body = fetch(base_url + "/robots.txt")
    assert (status, content_type) == (200, "text/plain; charset=utf-8")
    lines = body.decode().splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    assert {f"Sitemap: {sitemap_url(o, base_url)}" for o in OUTLETS} <= set(lines)


def test_menu_and_footer_links_of_an_article_page_resolve(base_url):
    for site_outlet in NEWS_OUTLETS:
        page_url = expected_url(articles_of(site_outlet.id)[-1], base_url)
        document = fetch_html(page_url)
        document.make_links_absolute(page_url)
        hrefs = {href for href in document.xpath("//a/@href") if "#" not in href}
        assert hrefs
        for href in sorted(hrefs):
            assert fetch(href)[0] == 200, href


# --- HTTP behaviour and determinism ------------------------------------------------------------

def test_unknown_paths_are_404_and_the_wrong_feed_name_too(base_url):
    for path in ("/nope", "/atlas-gazette/2026/11/23/nope.html", "/atlas-gazette/atom.xml",
                 "/casablanca-courier/feed.xml", "/atlas-gazette/section/nope/"):
        status, content_type, _ = fetch(base_url + path)
        assert (status, content_type) == (404, "text/html; charset=utf-8"), path


def test_head_sends_headers_without_a_body(base_url):
    url = expected_url(ARTICLES[0], base_url)
    get_status, _, get_body = fetch(url)
    request = urllib.request.Request(url, method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == get_status == 200
        assert int(response.headers["Content-Length"]) == len(get_body)
        assert response.read() == b""


def test_listings_carry_an_etag_and_answer_304_when_unchanged(base_url):
    for url in (feed_url("atlas-gazette", base_url), sitemap_url("atlas-gazette", base_url)):
        with urllib.request.urlopen(url, timeout=10) as response:
            etag, body = response.headers["ETag"], response.read()
        assert etag == entity_tag(body) and etag.startswith('"')
        for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            request = urllib.request.Request(url, headers={"If-None-Match": if_none_match})
            with pytest.raises(urllib.error.HTTPError) as raised:  # urllib raises on a 304
                urllib.request.urlopen(request, timeout=10)
            with raised.value as not_modified:
                assert (not_modified.code, not_modified.headers["ETag"], not_modified.read()) == (304, etag, b"")
        request = urllib.request.Request(url, headers={"If-None-Match": '"stale"'})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert (response.status, response.read()) == (200, body)
    # An error page has nothing to revalidate.
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(base_url + "/nope", timeout=10)
    with raised.value as missing:
        assert (missing.code, missing.headers["ETag"]) == (404, None)


def test_query_strings_are_ignored(base_url):
    url = expected_url(ARTICLES[0], base_url)
    assert fetch(url + "?utm_source=rss&utm_medium=feed")[2] == fetch(url)[2]


def test_requests_are_not_logged_to_stderr(base_url, capfd):
    capfd.readouterr()
    fetch(base_url + "/robots.txt")
    fetch(base_url + "/nope")
    assert capfd.readouterr().err == ""


def test_render_is_deterministic():
    paths = ["/", "/robots.txt", *DELETED_PATHS, *(a.path for a in ARTICLES)]
    for site_outlet in OUTLETS:
        paths += [f"/{site_outlet.id}/", urlsplit(feed_url(site_outlet, "")).path,
                  f"/{site_outlet.id}/sitemap.xml",
                  *(urlsplit(archive_url(site_outlet, d, "")).path for d in SAMPLE_DATES)]
    base = "http://127.0.0.1:8765"
    for path in paths:
        first, second = render(path, base), render(path, base)
        assert first == second, path
        assert first.body.decode("utf-8")  # valid UTF-8
        assert first.content_type.endswith("; charset=utf-8")
    assert render(ARTICLES[0].path, base).body != render(ARTICLES[0].path, "http://127.0.0.1:1").body


def test_server_binds_only_to_loopback_and_closes_on_exit():
    with pytest.raises(ValueError), serve_sample_site(host="0.0.0.0"):
        pass
    with serve_sample_site() as site:
        assert site.base_url.startswith("http://127.0.0.1:")
        assert fetch(site.base_url + "/")[0] == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(site.base_url + "/", timeout=2)


def test_sample_dates_and_outlet_ids():
    assert SAMPLE_DATES == (date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25))
    assert Counter(o.is_aggregator for o in OUTLETS) == {False: 4, True: 1}
    for site_outlet in OUTLETS:
        assert re.fullmatch(r"[a-z0-9-]+", site_outlet.id)
        assert site_outlet.feed_format in {"rss", "atom"}


def test_responses_do_not_depend_on_the_clock_or_the_python_version(base_url):
    with urllib.request.urlopen(base_url + "/robots.txt", timeout=10) as response:
        assert response.headers["Date"] is None
        assert response.headers["Server"] == "newslake-sample-site/1.0"
