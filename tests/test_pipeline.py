"""The pipeline steps without Airflow: accounting of every URL, de-duplication, address safety."""

from __future__ import annotations

import datetime as dt

import pytest

from newslake import lake, pipeline
from newslake.config import Settings, Source
from newslake.storage import Storage
from newsserver import TinyNewsSite


@pytest.fixture
def site():
    tiny = TinyNewsSite()
    yield tiny
    tiny.close()


def context(site, tmp_path, day, **settings) -> pipeline.PartitionContext:
    source = Source(id="tiny-daily", name="Tiny Daily", languages=("en",), timezone="Africa/Casablanca",
                    feeds=(f"{site.base_url}/feed.xml",), requests_per_second=50)
    options = {"allowed_networks": "127.0.0.0/8", **settings}
    return pipeline.PartitionContext(source, day, Storage(str(tmp_path / "lake")), Settings(**options))


def run_day(ctx) -> dict:
    for step in (pipeline.discover, pipeline.fetch, pipeline.extract, pipeline.validate):
        step(ctx)
    return pipeline.publish(ctx)


def outcomes(ctx) -> dict[str, tuple[str, str | None]]:
    rows = lake.read_parquet(ctx.storage, lake.fetch_log_key(ctx.day, ctx.source.id)).to_pylist()
    return {row["url"].removeprefix(ctx.source.feeds[0].rsplit("/", 1)[0]): (row["outcome"], row["reason"]) for row in rows if row["kind"] == "article"}


def test_loopback_is_refused_unless_allowed(site, tmp_path):
    site.rss("/feed.xml", [])
    ctx = context(site, tmp_path, dt.date(2026, 11, 24), allowed_networks="")
    with pytest.raises(RuntimeError, match="blocked_address"):
        pipeline.discover(ctx)
    assert site.requests == []  # refused before any request was sent


def test_every_listed_url_gets_one_outcome_and_earlier_days_are_not_landed_twice(site, tmp_path):
    site.article("/a.html", "Council meets", "2026-11-23T10:00:00+01:00")
    site.article("/b.html", "Port opens", "2026-11-24T09:00:00+01:00", topic="the new port")
    site.article("/b-copy.html", "Port opens", "2026-11-24T09:00:00+01:00", topic="the new port")
    site.rss("/feed.xml", [
        ("/a.html", "Mon, 23 Nov 2026 10:00:00 +0100"),
        ("/b.html", "Tue, 24 Nov 2026 09:00:00 +0100"),
        ("/b.html?utm_source=rss", "Tue, 24 Nov 2026 09:00:00 +0100"),   # same URL with tracking
        ("/b-copy.html", "Tue, 24 Nov 2026 09:00:00 +0100"),             # same text, other URL
        ("/gone.html", "Tue, 24 Nov 2026 11:00:00 +0100"),               # 404
    ])
    first = context(site, tmp_path, dt.date(2026, 11, 23))
    assert run_day(first)["rows"] == 1

    # The next day the feed re-lists the first article, dated again (an update).
    site.rss("/feed.xml", [
        ("/a.html", "Tue, 24 Nov 2026 08:00:00 +0100"),
        ("/b.html", "Tue, 24 Nov 2026 09:00:00 +0100"),
        ("/b.html?utm_source=rss", "Tue, 24 Nov 2026 09:00:00 +0100"),
        ("/b-copy.html", "Tue, 24 Nov 2026 09:00:00 +0100"),
        ("/gone.html", "Tue, 24 Nov 2026 11:00:00 +0100"),
    ])
    second = context(site, tmp_path, dt.date(2026, 11, 24))
    assert run_day(second)["rows"] == 1
    assert outcomes(second) == {
        "/a.html": ("skipped", "already_landed"),
        # Of two URLs with the same text, the first in URL order lands (stable across runs).
        "/b-copy.html": ("landed", None),
        "/b.html": ("skipped", "duplicate_content"),
        "/gone.html": ("failed", "http_404"),
    }
    table = lake.read_parquet(second.storage, lake.articles_key(second.day, "tiny-daily")).to_pylist()
    assert [row["url"] for row in table] == [f"{site.base_url}/b-copy.html"]
    assert site.hits("/a.html") == 1  # not fetched again the second day


@pytest.mark.parametrize(
    ("body", "content_type", "expected_text"),
    [
        ("Été à Fès".encode("utf-8"), "text/html; charset=utf-8", "Été à Fès"),
        ("Été à Fès".encode("cp1252"), "text/html; charset=windows-1252", "Été à Fès"),
        # A BOM beats a header that says otherwise.
        (b"\xef\xbb\xbf" + "Été à Fès".encode("utf-8"), "text/html; charset=iso-8859-1", None),
        # iso-8859-1 is read as windows-1252, as browsers do: its curly quotes and Œ are not C1 controls.
        ("L’Œuvre… d’été".encode("cp1252"), "text/html; charset=ISO-8859-1", "L’Œuvre… d’été"),
        # Valid UTF-8 beats a legacy label, which would decode it as mojibake without failing.
        ("Été à Fès".encode("utf-8"), "text/html; charset=iso-8859-1", "Été à Fès"),
        ("أعلنت وزارة الداخلية".encode("utf-8"), "text/html; charset=windows-1256", "أعلنت وزارة الداخلية"),
        ("Été à Fès".encode("utf-8"), "text/html; charset=us-ascii", "Été à Fès"),
        # No charset in the header, or one that cannot decode the bytes: bytes go to the parser.
        ("Été à Fès".encode("utf-8"), "text/html", None),
        ("Été à Fès".encode("cp1252"), "text/html; charset=utf-8", None),
        ("Été à Fès".encode("cp1252"), "text/html; charset=no-such-charset", None),
    ],
)
def test_page_input_follows_the_encoding_order(body, content_type, expected_text):
    result = pipeline.page_input(body, content_type)
    if expected_text is None:
        assert result == body
    else:
        assert result == expected_text


@pytest.mark.parametrize(
    ("language", "paragraph", "encoding", "header_charset"),
    [
        ("ar", "أعلنت وزارة الداخلية المغربية اليوم عن إطلاق برنامج جديد لدعم الجماعات القروية رقم {i} في جهة فاس مكناس.", "utf-8", "iso-8859-1"),
        ("fr", "L’Œuvre du conseil régional de Fès-Meknès : « le budget {i} » a été voté, a-t-on appris auprès de l’élu.", "utf-8", "windows-1252"),
        ("fr", "L’Œuvre du conseil régional de Fès-Meknès : « le budget {i} » a été voté, a-t-on appris auprès de l’élu.", "cp1252", "iso-8859-1"),
    ],
)
def test_a_wrong_or_narrow_header_charset_loses_no_character(language, paragraph, encoding, header_charset):
    """A UTF-8 Arabic page served as iso-8859-1 was lost as parse_error (its mojibake is C1
    controls); a UTF-8 French page served as windows-1252 landed as mojibake; a windows-1252 page
    served as iso-8859-1 (the usual label) lost its ’ “ ” Œ … ."""
    from newslake.extract import extract_article

    paragraphs = [paragraph.format(i=i) for i in range(5)]
    html = f'<html lang="{language}"><head><title>t</title></head><body><article>{"".join(f"<p>{p}</p>" for p in paragraphs)}</article></body></html>'
    result = extract_article(pipeline.page_input(html.encode(encoding), f"text/html; charset={header_charset}"))
    assert result.ok, result.reason
    assert result.text == "\n\n".join(paragraphs)
    assert result.language == language


LEGACY_PAGE_TEXTS = {
    "fr": "L’Œuvre du conseil régional de Fès-Meknès : « le budget » a été voté, a-t-on appris auprès de l’élu — jeudi.",
    "es": "El consejo regional de Tánger aprobó el presupuesto de las escuelas y de los caminos para el año próximo, según el señor Núñez.",
    "pt": "O conselho regional de Fez aprovou o orçamento das escolas e das estradas para o próximo ano, informou a direção não oficial.",
    "ar": "أعلنت وزارة الداخلية المغربية اليوم عن إطلاق برنامج جديد لدعم الجماعات القروية في جهة فاس مكناس.",
    "pl": "Rząd Maroka ogłosił we wtorek nowy plan inwestycyjny dla północnych regionów, który ma stworzyć miejsca pracy.",
}


@pytest.mark.parametrize(
    ("language", "encoding", "declares_language"),
    [("fr", "cp1252", True), ("fr", "cp1252", False), ("es", "cp1252", True), ("pt", "cp1252", True),
     ("ar", "cp1256", True), ("ar", "iso8859_6", True), ("pl", "cp1250", True), ("pl", "cp1250", False)],
)
def test_a_legacy_page_without_a_charset_is_decoded_in_its_own_encoding(language, encoding, declares_language):
    """Left to itself, charset-normalizer read French and Spanish windows-1252 pages as cp1250
    or cp1257 ("Planète" → "Plančte"); the page's language now settles a near tie, and a
    Polish windows-1250 page stays Polish."""
    from newslake.extraction.html_input import decode_html

    lang = f' lang="{language}"' if declares_language else ""
    page = f"<html{lang}><head><title>t</title></head><body>" + f"<p>{LEGACY_PAGE_TEXTS[language]}</p>" * 5 + "</body></html>"
    assert decode_html(page.encode(encoding)) == page


def test_a_legacy_character_after_200_kb_of_ascii_is_still_decoded():
    from newslake.extraction.html_input import decode_html

    page = "<html><body>" + "<p>plain ascii text</p>" * 12_000 + "<p>Planète — l’élu</p></body></html>"
    assert decode_html(page.encode("cp1252")) == page


@pytest.mark.corpus
def test_corpus_pages_re_encoded_in_windows_1252_decode_exactly():
    """Each corpus page that windows-1252 can hold, re-encoded in it and served without any
    charset: 16 of 39 came out wrong before (cp1250, cp1257, cp775, mac_roman, or ASCII)."""
    from conftest import shared_corpus_or_skip
    from newslake.extraction.html_input import decode_html

    wrong, tried = [], 0
    for folder in sorted(path for path in (shared_corpus_or_skip() / "readability-pages").iterdir() if path.is_dir()):
        text = (folder / "source.html").read_bytes().decode("utf-8-sig")
        try:
            legacy = text.encode("cp1252")
        except UnicodeEncodeError:
            continue
        if legacy == text.encode("utf-8"):
            continue  # pure ASCII: nothing to guess
        legacy = legacy.replace(b'charset="utf-8"', b"").replace(b"charset=utf-8", b"").replace(b'charset="UTF-8"', b"").replace(b"charset=UTF-8", b"")
        tried += 1
        if decode_html(legacy) != legacy.decode("cp1252"):
            wrong.append(folder.name)
    assert tried >= 30 and wrong == []


def test_mislabelled_pages_come_out_without_mojibake():
    from newslake.extract import extract_article

    paragraphs = "".join(f"<p>Le conseil régional de Fès-Meknès a voté le budget {i} des écoles, des routes et de l'eau potable pour l'année prochaine.</p>" for i in range(5))
    html = f'<html><head><meta charset="gb2312"><title>Été à Fès</title></head><body><article><h1>Été à Fès</h1>{paragraphs}</article></body></html>'
    # Declared gb2312 in the page, really UTF-8, served without a header charset (like `qq`).
    result = extract_article(pipeline.page_input(html.encode("utf-8"), "text/html"))
    assert "régional" in result.text and "Ã" not in result.text


@pytest.mark.corpus
@pytest.mark.parametrize("page", ["qq", "la-nacion"])
@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/html"])
def test_corpus_pages_with_misleading_encodings_decode_cleanly(page, content_type):
    """`qq` declares gb2312 but is UTF-8; `la-nacion` starts with a BOM. Served with or without
    a header charset, the extracted text matches the expected text's characters."""
    from conftest import shared_corpus_or_skip
    from newslake.extract import extract_article
    from newslake.textmetrics import token_f1

    folder = shared_corpus_or_skip() / "readability-pages" / page
    body = (folder / "source.html").read_bytes()
    result = extract_article(pipeline.page_input(body, content_type), url="http://fakehost/test/page.html")
    expected = (folder / "expected.txt").read_text(encoding="utf-8")
    assert result.ok
    assert "Ã" not in result.text and "\ufffd" not in result.text
    assert token_f1(result.text, expected, lang="zh" if page == "qq" else "es").f1 > 0.8


def test_a_source_whose_listings_all_fail_fails_with_the_reasons_recorded(site, tmp_path):
    ctx = context(site, tmp_path, dt.date(2026, 11, 24))  # no /feed.xml on the site: 404
    with pytest.raises(RuntimeError, match=r"every feed and sitemap failed \(recorded in .*\): .*feed.xml \(http_404\)"):
        pipeline.discover(ctx)
    log = lake.read_parquet(ctx.storage, lake.fetch_log_key(ctx.day, ctx.source.id)).to_pylist()
    assert [(row["kind"], row["outcome"], row["reason"]) for row in log if row["kind"] == "feed"] == [("feed", "failed", "http_404")]
    assert not ctx.storage.exists(lake.articles_key(ctx.day, ctx.source.id))


def test_a_rerun_whose_listings_all_fail_leaves_the_published_day_whole(site, tmp_path):
    """The day's published articles and fetch_log stay a pair: the rerun's listing failures are
    recorded beside quarantined runs, not over the published fetch_log."""
    ctx = context(site, tmp_path, dt.date(2026, 11, 24))
    ctx.storage.write_bytes(lake.articles_key(ctx.day, ctx.source.id), b"the published articles")
    ctx.storage.write_bytes(lake.fetch_log_key(ctx.day, ctx.source.id), b"the published fetch log")
    with pytest.raises(RuntimeError, match="every feed and sitemap failed"):
        pipeline.discover(ctx)  # no /feed.xml on the site: 404
    assert ctx.storage.read_bytes(lake.fetch_log_key(ctx.day, ctx.source.id)) == b"the published fetch log"
    recorded = lake.read_parquet(ctx.storage, f"{lake.quarantine_prefix(ctx.day, ctx.source.id)}/fetch_log.parquet").to_pylist()
    assert [(row["kind"], row["outcome"], row["reason"]) for row in recorded if row["kind"] == "feed"] == [("feed", "failed", "http_404")]


def test_report_shows_a_day_whose_listings_failed(site, tmp_path):
    from newslake.queries import LakeReader
    from newslake.report import lake_report

    ctx = context(site, tmp_path, dt.date(2026, 11, 24))
    with pytest.raises(RuntimeError):
        pipeline.discover(ctx)
    report = lake_report(LakeReader(ctx.storage))
    assert "tiny-daily" in report and "(not published)" in report and "feed.xml → http_404" in report


def test_each_article_points_back_to_its_raw_record(site, tmp_path):
    import hashlib

    from newslake import rawzone

    site.article("/a.html", "Council meets", "2026-11-24T10:00:00+01:00")
    site.rss("/feed.xml", [("/a.html", "Tue, 24 Nov 2026 10:00:00 +0100")])
    ctx = context(site, tmp_path, dt.date(2026, 11, 24))
    run_day(ctx)
    [row] = lake.read_parquet(ctx.storage, lake.articles_key(ctx.day, "tiny-daily")).to_pylist()
    member = ctx.storage.read_range(row["raw_path"], row["raw_offset"], row["raw_length"])
    record = rawzone.read_record(member)
    assert record.canonical_url == row["url"] and record.status == 200
    assert hashlib.sha256(record.body).hexdigest() == row["raw_payload_sha256"]
    assert b"Council meets" in record.body


def _without_last_record(warc: bytes) -> bytes:
    """The WARC cut at its last record's start: every gzip member left is whole."""
    from newslake import rawzone

    return warc[: rawzone.read_records(warc)[-1].offset]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda warc: warc[: len(warc) * 3 // 4], id="cut-mid-record"),
        pytest.param(lambda warc: warc[:-10], id="cut-in-the-gzip-trailer"),
        pytest.param(lambda warc: warc[:100] + bytes([warc[100] ^ 0xFF]) + warc[101:], id="one-byte-altered"),
        pytest.param(lambda warc: b"", id="emptied"),
        pytest.param(lambda warc: _without_last_record(warc), id="last-record-removed-whole"),
    ],
)
def test_reextraction_stops_on_a_damaged_raw_zone_and_keeps_the_published_partition(site, tmp_path, damage):
    topics = {"a": "the port extension", "b": "the new tramway line", "c": "the coastal road repairs"}
    for name, topic in topics.items():
        site.article(f"/{name}.html", f"Council meets {name}", "2026-11-24T10:00:00+01:00", topic=topic)
    site.rss("/feed.xml", [(f"/{name}.html", "Tue, 24 Nov 2026 10:00:00 +0100") for name in ("a", "b", "c")])
    ctx = context(site, tmp_path, dt.date(2026, 11, 24))
    run_day(ctx)
    articles_key = lake.articles_key(ctx.day, "tiny-daily")
    published = ctx.storage.read_bytes(articles_key)
    assert lake.read_parquet(ctx.storage, articles_key).num_rows == 3
    raw_key = lake.raw_key(ctx.day, "tiny-daily")
    ctx.storage.write_bytes(raw_key, damage(ctx.storage.read_bytes(raw_key)))

    with pytest.raises(RuntimeError, match="cannot re-extract") as raised:
        pipeline.restage_from_raw(ctx)
    assert ctx.storage.url(raw_key) in str(raised.value) and "the published partition is left as it is" in str(raised.value)
    assert ctx.storage.read_bytes(articles_key) == published


def test_a_rerun_fetches_again_the_pages_of_a_damaged_raw_zone_and_rewrites_it(site, tmp_path):
    for name, topic in {"a": "the port extension", "b": "the new tramway line"}.items():
        site.article(f"/{name}.html", f"Council meets {name}", "2026-11-24T10:00:00+01:00", topic=topic)
    site.rss("/feed.xml", [(f"/{name}.html", "Tue, 24 Nov 2026 10:00:00 +0100") for name in ("a", "b")])
    ctx = context(site, tmp_path, dt.date(2026, 11, 24))
    run_day(ctx)
    raw_key = lake.raw_key(ctx.day, "tiny-daily")
    warc = ctx.storage.read_bytes(raw_key)
    ctx.storage.write_bytes(raw_key, warc[: len(warc) - 30])  # the last record's gzip member cut

    for step in (pipeline.discover, pipeline.fetch, pipeline.extract, pipeline.validate):
        summary = step(ctx)
        if step is pipeline.fetch:
            assert (summary["ok"], summary["reused"]) == (2, 0)
    pipeline.publish(ctx)
    pipeline.restage_from_raw(ctx)  # the rewritten WARC is whole again
    assert lake.read_parquet(ctx.storage, lake.articles_key(ctx.day, "tiny-daily")).num_rows == 2


def test_raw_records_are_gzip_members_at_level_6():
    """One gzip member per record, which warcio and the standard library read back; compressed by
    zlib-ng at level 6, not at warcio's 9 (bench/raw_zone.py: 2.8-4.0x as fast in four runs, 1.6 %
    more bytes), with no timestamp in the gzip header (the WARC-Date says when; a re-run
    copies records rather than writing them again)."""
    import gzip
    import io

    from warcio.archiveiterator import ArchiveIterator
    from zlib_ng import gzip_ng

    from newslake import rawzone
    from newslake.http import FetchResult

    body = ("<html><body><article><p>" + "Le conseil se réunit à Rabat. " * 400 + "</p></article></body></html>").encode()
    result = FetchResult(
        url="https://example.ma/a.html", final_url="https://example.ma/a.html", status=200,
        headers={"content-type": "text/html; charset=utf-8"}, body=body, error=None, attempts=1,
        fetched_at=dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC), elapsed_ms=12,
    )
    member = rawzone.response_member("https://example.ma/a.html", result)
    assert member == gzip_ng.compress(gzip.decompress(member), compresslevel=6, mtime=0)
    [record] = [r.content_stream().read() for r in ArchiveIterator(io.BytesIO(member)) if r.rec_type == "response"]
    assert record == body == rawzone.read_record(member).body


def test_run_metrics_record_each_run_of_a_partition(site, tmp_path):
    import json

    from newslake.queries import LakeReader

    site.article("/a.html", "Council meets", "2026-11-24T10:00:00+01:00")
    site.rss("/feed.xml", [("/a.html", "Tue, 24 Nov 2026 10:00:00 +0100"), ("/gone.html", "Tue, 24 Nov 2026 11:00:00 +0100")])
    ctx = context(site, tmp_path, dt.date(2026, 11, 24))
    run_day(ctx)
    [row] = LakeReader(ctx.storage).table("run_metrics").to_pylist()
    assert (row["listed"], row["landed"], row["failed"], row["quarantined"]) == (2, 1, 1, 0)
    assert json.loads(row["outcome_reasons"]) == {"failed:http_404": 1}
    assert row["validation_passed"] is True and row["bytes_fetched"] > 0
    assert row["discover_seconds"] > 0 and row["fetch_seconds"] > 0 and row["extract_seconds"] > 0
    assert row["source"] == "tiny-daily" and row["reextracted"] is False
