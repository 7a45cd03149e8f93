"""Dates: zones written in the page, year-less values, Arabic time cues, publication vs update.

Unit tests parse strings or small pages written here. Tests marked ``corpus`` extract pages of
the shared corpus beside the repository (``../shared/corpus``) and skip when it is absent.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from newslake.extract import extract_article
from newslake.extraction.dates import parse_machine_date, parse_text_date

CASABLANCA = ZoneInfo("Africa/Casablanca")
UTC = timezone.utc
FETCHED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CORPUS_PAGE_URL = "http://fakehost/test/page.html"

PARAGRAPHS = "".join(
    f"<p>Le conseil régional de Fès-Meknès a voté le budget {i} jeudi à Rabat, a-t-on appris "
    "auprès de l'élu chargé des finances, qui a détaillé les projets prévus pour l'année.</p>"
    for i in range(5)
)


def page(head: str = "", before: str = "") -> str:
    return (
        f'<html lang="fr"><head><meta charset="utf-8"><title>Le budget voté à Fès</title>{head}</head>'
        f"<body><article><h1>Le budget voté à Fès</h1>{before}{PARAGRAPHS}</article></body></html>"
    )


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


# --- D3: a zone written in the page wins over the default zone -----------------------------------


def test_microdata_time_content_with_its_offset_is_the_published_date():
    time_element = (
        '<time class="timeStamp" itemprop="datePublished" content="2017-01-18T23:00:00-0800">'
        '<span class="formattedDate">January 18, 2017</span> <span class="formattedTime">11:00 PM PST</span></time>'
    )
    result = extract_article(page(before=time_element), default_timezone="Africa/Casablanca", fetched_at=FETCHED)
    assert result.published_at == utc(2017, 1, 19, 7, 0)
    assert result.published_precision == "datetime"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("12 novembre 2026 11:57 UTC", utc(2026, 11, 12, 11, 57)),
        ("lundi 2 mars 2026 - 10:05 GMT", utc(2026, 3, 2, 10, 5)),
        ("2/26/2015 7:11 AM PST BY TMZ STAFF", utc(2015, 2, 26, 15, 11)),
        ("January 18, 2017 11:00 PM PST", utc(2017, 1, 19, 7, 0)),
        ("Mar 12, 2026 11:57 AM GMT+1", utc(2026, 3, 12, 10, 57)),
        ("20/11/2026 - 15:45 (GMT+1)", utc(2026, 11, 20, 14, 45)),
        ("20/11/2026 - 15:45 (UTC-03:00)", utc(2026, 11, 20, 18, 45)),
        ("martes, 24 noviembre 2026 10:05 CET", utc(2026, 11, 24, 9, 5)),
        ("11 juin 2024 à 14h30 CEST", utc(2024, 6, 11, 12, 30)),
        ("11 juin 2024 à 14h30 WEST", utc(2024, 6, 11, 13, 30)),
        ("11 June 2024 10:00:00 EDT", utc(2024, 6, 11, 14, 0)),
        ("11/06/2024 10:00 +0100", utc(2024, 6, 11, 9, 0)),
    ],
)
def test_a_zone_written_after_the_time_is_honoured(written, expected):
    found = parse_text_date(written, CASABLANCA)
    assert found is not None and found.precision == "datetime"
    assert found.value == expected


@pytest.mark.parametrize("written", ["11 June 2024 10:05 IST", "11 June 2024 10:05 AST", "11/06/2024 10:05 CET+2"])
def test_an_unknown_zone_keeps_the_day_but_not_a_guessed_time(written):
    found = parse_text_date(written, CASABLANCA)
    assert found is not None and found.precision == "date"
    assert found.value == datetime(2024, 6, 11, tzinfo=CASABLANCA)


@pytest.mark.parametrize(
    "written",
    [
        "11 juin 2024 à 14h30 est une date",  # French "est" is not US Eastern
        "11/06/2024 14:30 AFP",  # an agency, not a zone
        "11/06/2024 14:30 Rabat",
    ],
)
def test_words_after_the_time_that_are_not_zones_leave_the_default_zone(written):
    found = parse_text_date(written, CASABLANCA)
    assert found is not None and found.precision == "datetime"
    assert found.value == datetime(2024, 6, 11, 14, 30, tzinfo=CASABLANCA)


# --- D4: zones in machine-readable values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-06-11T10:00:00 GMT+1", utc(2024, 6, 11, 9, 0)),  # dateutil alone reads -01:00
        ("2024-06-11T10:00:00 UTC+1", utc(2024, 6, 11, 9, 0)),
        ("2024-06-11 10:00 GMT-03:00", utc(2024, 6, 11, 13, 0)),
        ("2026-11-30T10:00:00 EST", utc(2026, 11, 30, 15, 0)),
        ("2026-11-30T10:00:00CET", utc(2026, 11, 30, 9, 0)),
        ("Mon, 30 Nov 2026 10:00:00 PST", utc(2026, 11, 30, 18, 0)),
        ("Mon, 30 Nov 2026 10:00:00 GMT", utc(2026, 11, 30, 10, 0)),
        ("2015-07-10 09:53:00 -0400", utc(2015, 7, 10, 13, 53)),
        ("2026-11-30T10:00:00+01:00", utc(2026, 11, 30, 9, 0)),
    ],
)
def test_machine_dates_keep_their_written_zone(value, expected):
    found = parse_machine_date(value, CASABLANCA)
    assert found is not None and found.precision == "datetime"
    assert found.value == expected


def test_machine_date_in_an_unknown_zone_is_only_a_day():
    found = parse_machine_date("2026-11-30T10:00:00 IST", CASABLANCA)
    assert found is not None and found.precision == "date"
    assert found.value == datetime(2026, 11, 30, tzinfo=CASABLANCA)


# --- D5: no date completed from the wall clock -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reference", "expected"),
    [
        ("June 1", FETCHED, datetime(2026, 6, 1, tzinfo=CASABLANCA)),
        ("Nov 30", datetime(2026, 11, 29, 12, tzinfo=UTC), datetime(2025, 11, 30, tzinfo=CASABLANCA)),
        # "Dec 31" read on New Year's Day is last year's, not tomorrow's.
        ("Dec 31 23:30", datetime(2027, 1, 1, 8, tzinfo=UTC), datetime(2026, 12, 31, 23, 30, tzinfo=CASABLANCA)),
        ("Feb 29", FETCHED, datetime(2024, 2, 29, tzinfo=CASABLANCA)),
    ],
)
def test_a_year_less_machine_date_is_completed_from_the_fetch_time(value, reference, expected):
    found = parse_machine_date(value, CASABLANCA, reference)
    assert found is not None
    assert found.value == expected
    assert found.value <= reference


@pytest.mark.parametrize("value", ["June 1", "Nov 30", "00:05", "Monday", "10:00 PM"])
def test_without_a_fetch_time_a_year_less_or_day_less_machine_date_is_dropped(value):
    assert parse_machine_date(value, CASABLANCA) is None


@pytest.mark.parametrize("value", ["00:05", "Monday", "à 10h"])
def test_a_machine_value_without_day_or_month_is_dropped_even_with_a_fetch_time(value):
    assert parse_machine_date(value, CASABLANCA, FETCHED) is None


def test_year_less_page_dates_depend_on_the_fetch_time_not_on_today():
    for fetched, year in ((datetime(2024, 7, 1, tzinfo=UTC), 2024), (datetime(2021, 3, 1, tzinfo=UTC), 2020)):
        result = extract_article(page(head='<meta name="date" content="June 1">'), fetched_at=fetched)
        assert result.published_at == datetime(year, 6, 1, tzinfo=UTC)
        assert result.published_precision == "date"
    result = extract_article(page(before='<time datetime="00:05">00h05</time>'), fetched_at=FETCHED)
    assert result.published_at is None


def test_a_year_less_modification_date_is_completed_from_the_fetch_time():
    head = '<meta property="article:published_time" content="2024-05-30T08:00:00Z"><meta name="last-modified" content="June 1">'
    result = extract_article(page(head=head), fetched_at=datetime(2024, 7, 1, tzinfo=UTC))
    assert result.modified_at == datetime(2024, 6, 1, tzinfo=UTC)


# --- D6: Arabic "على الساعة" -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["11 يونيو 2024 على الساعة 14:30", "11 يونيو 2024 على الساعه 14:30", "11 يونيو 2024 الساعة 14:30"]
)
def test_arabic_at_the_hour_keeps_the_time(written):
    found = parse_text_date(written, CASABLANCA)
    assert found is not None and found.precision == "datetime"
    assert found.value == datetime(2024, 6, 11, 14, 30, tzinfo=CASABLANCA)


# --- published vs updated in one element ---------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Mis à jour le 12/06/2024 à 09h05 | Publié le 11/06/2024 à 08h00", datetime(2024, 6, 11, 8, 0)),
        ("Publié le 11/06/2024 à 08h00 | Mis à jour le 12/06/2024 à 09h05", datetime(2024, 6, 11, 8, 0)),
        ("Updated June 12, 2024 at 9:05 am · Published June 11, 2024 at 8:00 am", datetime(2024, 6, 11, 8, 0)),
        ("Actualizado 12/06/2024 09:05 - Publicado 11/06/2024 08:00", datetime(2024, 6, 11, 8, 0)),
        ("آخر تحديث: 12 يونيو 2024 - 09:05 | نشر في: 11 يونيو 2024 - 08:00", datetime(2024, 6, 11, 8, 0)),
        ("Mis à jour le 12/06/2024 à 09h05", datetime(2024, 6, 12, 9, 5)),  # the only date there is
    ],
)
def test_published_date_follows_the_publication_cue(written, expected):
    result = extract_article(
        page(before=f'<div class="post-date">{written}</div>'), default_timezone="Africa/Casablanca", fetched_at=FETCHED
    )
    assert result.published_at == expected.replace(tzinfo=CASABLANCA)
    assert result.published_precision == "datetime"


# --- corpus pages that write their zone ----------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "published"),
    [
        ("cnet", utc(2017, 1, 19, 7, 0)),  # <time itemprop="datePublished" content="...-0800">
        ("cnet-svg-classes", utc(2017, 12, 1, 11, 0)),
        ("tmz-1", utc(2015, 2, 26, 15, 11)),  # "2/26/2015 7:11 AM PST BY TMZ STAFF"
    ],
)
def test_corpus_pages_with_a_written_zone(name, published):
    from conftest import shared_corpus_or_skip

    source = shared_corpus_or_skip() / "readability-pages" / name / "source.html"
    for default_timezone in ("UTC", "Africa/Casablanca"):
        result = extract_article(
            source.read_bytes(), CORPUS_PAGE_URL, default_timezone=default_timezone, fetched_at=FETCHED
        )
        assert result.published_at == published, default_timezone
        assert result.published_precision == "datetime"
        assert result.published_at.utcoffset() == timedelta(hours=-8)  # as the page wrote it
