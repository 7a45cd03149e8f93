"""The sources file and settings loader: valid files load, invalid ones name file, entry and field."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from newslake.config import DEFAULT_SOURCES_FILE, Settings, SettingsError, SourcesConfigError, load_sources

VALID_ENTRY = """
  - id: good-source
    name: Good Source
    languages: [fr, ar]
    timezone: Africa/Casablanca
    feeds: [https://example.org/feed.xml]
"""


def write(tmp_path, body: str):
    path = tmp_path / "sources.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_sample_sources_file_loads():
    sources = load_sources(DEFAULT_SOURCES_FILE)
    assert len(sources) >= 5
    assert {"fr", "en", "es", "ar"} <= {lang for s in sources for lang in s.languages}
    assert any(s.aggregator for s in sources)
    assert len({s.dag_id for s in sources}) == len(sources)


def test_environment_references_are_expanded(tmp_path, monkeypatch):
    path = write(tmp_path, "sources:\n" + VALID_ENTRY.replace("[https://example.org/feed.xml]", '["${SITE_URL:-http://fallback.test}/feed.xml"]'))
    assert load_sources(path)[0].feeds == ("http://fallback.test/feed.xml",)
    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:9999")
    assert load_sources(path)[0].feeds == ("http://127.0.0.1:9999/feed.xml",)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("timezone: Africa/Casablanca", "timezone: Mars/Olympus"), ["entry 2 (id 'bad-source')", "'timezone'", "Mars/Olympus"]),
        (("languages: [fr, ar]", "languages: [french]"), ["entry 2", "'languages", "french"]),
        (("id: good-source", "id: Bad Source!"), ["entry 2", "'id'"]),
        (("    name: Good Source\n", ""), ["entry 2", "'name'", "required"]),
        (("feeds: [https://example.org/feed.xml]", "feeds: [ftp://example.org/feed.xml]"), ["entry 2", "'feeds", "ftp://"]),
        (("feeds: [https://example.org/feed.xml]", "feeds: []"), ["entry 2", "'feeds'/'sitemaps'/'archives'"]),
        (("timezone: Africa/Casablanca", "timezone: UTC\n    colour: blue"), ["entry 2", "'colour'", "not permitted"]),
        (("timezone: Africa/Casablanca", "timezone: UTC\n    archives: [{url_template: 'https://x.ma/archives/{year}/'}]"),
         ["entry 2", "'archives.0.url_template'", "{year}"]),
    ],
)
def test_invalid_entry_names_file_entry_and_field(tmp_path, change, expected):
    old, new = change
    bad_entry = VALID_ENTRY.replace("good-source", "bad-source").replace(old.replace("good-source", "bad-source"), new)
    path = write(tmp_path, "sources:\n" + VALID_ENTRY + bad_entry)
    with pytest.raises(SourcesConfigError) as error:
        load_sources(path)
    message = str(error.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message, message


def test_duplicate_ids_and_broken_yaml_and_missing_file(tmp_path):
    with pytest.raises(SourcesConfigError, match="entry 2 .*duplicate id 'good-source'"):
        load_sources(write(tmp_path, "sources:\n" + VALID_ENTRY + VALID_ENTRY))
    with pytest.raises(SourcesConfigError, match="not valid YAML"):
        load_sources(write(tmp_path, "sources: [unclosed"))
    with pytest.raises(SourcesConfigError, match="'sources'"):
        load_sources(write(tmp_path, "feeds: []"))
    with pytest.raises(SourcesConfigError, match="cannot be read"):
        load_sources(tmp_path / "missing.yaml")


def test_day_bounds_follow_the_source_timezone(tmp_path):
    source = load_sources(write(tmp_path, "sources:\n" + VALID_ENTRY))[0]
    start, end = source.day_bounds_utc(dt.date(2026, 11, 24))
    # Morocco is UTC+1: its 24 November starts at 23:00 UTC on the 23rd.
    assert start == dt.datetime(2026, 11, 23, 23, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(days=1)


def test_settings_lookup_then_environment_then_default(monkeypatch):
    monkeypatch.setenv("NEWSLAKE_LAKE_URI", "s3://from-env/lake")
    monkeypatch.setenv("NEWSLAKE_FETCH_CONCURRENCY", "3")
    settings = Settings.load(lambda name: "/from/variable" if name == "lake_uri" else None)
    assert settings.lake_uri == "/from/variable"
    assert settings.fetch_concurrency == 3
    assert settings.aws_conn_id == "newslake_s3"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("fetch_concurrency", "eight", "setting fetch_concurrency: {origin} = 'eight' is not an integer"),
        ("fetch_concurrency", "0", "setting fetch_concurrency must be an integer of at least 1 (requests in flight), got 0 (from {origin})"),
        ("max_page_bytes", "-1", "setting max_page_bytes must be an integer of at least 1"),
        ("extract_workers", "-2", "setting extract_workers must be an integer of at least 0 (0 = one per CPU), got -2"),
        ("raw_retention_days", "-30", "setting raw_retention_days must be an integer of at least 0 (0 = keep the raw zone forever)"),
        ("staging_max_age_hours", "0", "setting staging_max_age_hours must be an integer of at least 1"),
        ("staging_max_age_hours", "1.5", "setting staging_max_age_hours: {origin} = '1.5' is not an integer"),
        ("allowed_networks", "127.0.0.0/8, 10.0.0.1/8", "setting allowed_networks: invalid network '10.0.0.1/8'"),
        # A line break ended the header: every URL of the day failed as connect_error, 3 tries each.
        ("user_agent", "newslake (+https://x.test)\r\nX-Injected: 1", "setting user_agent holds '\\r': a header value is visible ASCII"),
        ("user_agent", "newslake (+https://médias.test)", "setting user_agent holds 'é'"),
    ],
)
@pytest.mark.parametrize("origin", ["variable", "environment"])
def test_a_setting_it_cannot_take_is_refused_naming_the_setting_and_its_origin(monkeypatch, name, value, message, origin):
    if origin == "variable":
        where = f"Airflow Variable newslake_{name}"
        load = lambda: Settings.load(lambda field: value if field == name else None, lookup_origin="Airflow Variable newslake_{name}")  # noqa: E731
    else:
        where = f"environment variable NEWSLAKE_{name.upper()}"
        monkeypatch.setenv(f"NEWSLAKE_{name.upper()}", value)
        load = Settings.load
    with pytest.raises(SettingsError) as caught:
        load()
    assert message.format(origin=where) in str(caught.value)
    assert where in str(caught.value) and caught.value.setting == name


def test_settings_built_in_code_are_checked_too():
    with pytest.raises(SettingsError, match=r"^setting fetch_concurrency must be an integer of at least 1 \(requests in flight\), got -1$"):
        Settings(fetch_concurrency=-1)
    assert Settings(raw_retention_days=0, extract_workers=0, allowed_networks="127.0.0.0/8,::1/128").allowed_network_list == ("127.0.0.0/8", "::1/128")


@pytest.mark.parametrize("path", sorted((DEFAULT_SOURCES_FILE.parent).glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_sources_file_is_valid(path):
    sources = load_sources(path)
    assert sources and all(s.feeds or s.sitemaps or s.archives for s in sources)
