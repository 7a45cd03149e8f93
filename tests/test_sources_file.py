"""The sources file's checks, one defect of the tester's report at a time: bad input gets a clear
error naming the file, the entry ("entry N (id 'x')", counted from 1) and the field; nothing is
silently dropped, replaced or converted."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from newslake.config import SourcesConfigError, load_sources

MINIMAL = """\
sources:
  - id: a
    name: A
    languages: [fr]
    feeds: [https://a.example/rss]
"""
ENTRY_A = "entry 1 (id 'a')"


def write(tmp_path, text: str):
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def with_lines(*lines: str, base: str = MINIMAL) -> str:
    """The minimal file with ``lines`` added to its entry (each indented as a field of it)."""
    return base + "".join(f"    {line}\n" for line in lines)


def replaced(old: str, new: str) -> str:
    assert old in MINIMAL
    return MINIMAL.replace(old, new)


def refused(tmp_path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(SourcesConfigError) as error:
        load_sources(path)
    message = str(error.value)
    assert message.startswith(f"sources file {path}: "), message
    # Without the path, which holds the test's name.
    return message.removeprefix(f"sources file {path}: ")


def loads(tmp_path, text: str):
    return load_sources(write(tmp_path, text))


def assert_names(message: str, *fragments: str) -> None:
    for fragment in fragments:
        assert fragment in message, message


def test_the_minimal_file_loads(tmp_path):
    [source] = loads(tmp_path, MINIMAL)
    assert source.id == "a" and source.feeds == ("https://a.example/rss",)


# -- 1. a repeated YAML key ----------------------------------------------------------------------


def test_a_second_top_level_sources_list_is_refused_not_replacing_the_first(tmp_path):
    message = refused(tmp_path, MINIMAL + "sources:\n  - id: b\n    name: B\n    languages: [fr]\n    feeds: [https://b.example/rss]\n")
    assert_names(message, "line 6", "duplicate key 'sources'", "first on line 1")


def test_a_repeated_field_in_an_entry_is_refused(tmp_path):
    message = refused(tmp_path, with_lines("feeds: [https://a.example/other]"))
    assert_names(message, "line 6", "duplicate key 'feeds'", "first on line 5")


def test_a_repeated_key_in_a_nested_mapping_is_refused(tmp_path):
    message = refused(tmp_path, with_lines("quality: {min_text_chars: 10, min_text_chars: 20}"))
    assert_names(message, "line 6", "duplicate key 'min_text_chars'")


def test_a_repeated_field_on_separate_lines_is_refused(tmp_path):
    message = refused(tmp_path, with_lines("quality: {warn_only: []}", "quality: {}"))
    assert_names(message, "duplicate key 'quality'", "line 7", "first on line 6")


def test_a_merge_key_may_still_be_overridden(tmp_path):
    """<<: *anchor then a key of the entry's own is YAML's override, not a repeated key."""
    text = MINIMAL.replace("  - id: a", "  - &first\n    id: a") + "  - <<: *first\n    id: b\n    name: B\n"
    first, second = loads(tmp_path, text)
    assert (second.id, second.name, second.feeds) == ("b", "B", first.feeds)


# -- 2. a source id that makes one of the project's own DAG ids ----------------------------------


@pytest.mark.parametrize(("source_id", "dag_id"), [
    ("maintenance", "newslake_maintenance"), ("reextract", "newslake_reextract"), ("story-clusters", "newslake_story_clusters"),
])
def test_a_source_id_taking_a_project_dag_id_is_refused(tmp_path, source_id, dag_id):
    message = refused(tmp_path, MINIMAL.replace("id: a", f"id: {source_id}"))
    assert_names(message, f"entry 1 (id '{source_id}')", "field 'id'", dag_id)


def test_the_reserved_ids_are_the_dag_files_own():
    """One place holds the project's DAG ids: every DAG file but the source factory uses it."""
    from conftest import REPO
    from newslake.dag_sources import PROJECT_DAG_IDS, source_dag_id

    dag_files = {path.stem for path in (REPO / "dags").glob("*.py")} - {"newslake_sources"}
    assert set(PROJECT_DAG_IDS) == dag_files
    for stem in dag_files:
        text = (REPO / "dags" / f"{stem}.py").read_text(encoding="utf-8")
        assert f'"{stem}"' not in text, f"dags/{stem}.py spells its DAG id instead of using the constant"
    assert source_dag_id("story-clusters") == "newslake_story_clusters"


# -- 3. limits checked against each other when one side is left at its default --------------------


@pytest.mark.parametrize(("lines", "expected"), [
    ("quality: {min_text_chars: 300000}", ["field 'quality.min_text_chars'", "300000", "max_text_chars (200000"]),
    ("quality: {min_title_chars: 400}", ["field 'quality.min_title_chars'", "400", "max_title_chars (300"]),
    ("quality: {max_text_chars: 100}", ["field 'quality.max_text_chars'", "100", "min_text_chars (200"]),
    ("volume: {lookback_days: 3}", ["field 'volume.lookback_days'", "3", "min_history_days (5"]),
    ("volume: {min_history_days: 20}", ["field 'volume.min_history_days'", "20", "lookback of 14"]),
])
def test_a_limit_is_checked_against_the_other_sides_default(tmp_path, lines, expected):
    message = refused(tmp_path, with_lines(lines))
    assert_names(message, ENTRY_A, *expected)


def test_limits_set_on_both_sides_are_still_checked(tmp_path):
    message = refused(tmp_path, with_lines("quality: {min_title_chars: 50, max_title_chars: 10}"))
    assert_names(message, "field 'quality.max_title_chars': 10 is below min_title_chars (50)")
    message = refused(tmp_path, with_lines("volume: {lookback_days: 7, min_history_days: 8}"))
    assert_names(message, "field 'volume.min_history_days'", "lookback of 7")
    [source] = loads(tmp_path, with_lines("volume: {lookback_days: 3, min_history_days: 3}", "quality: {min_text_chars: 300000, max_text_chars: 300000}"))
    assert source.volume.lookback_days == 3 and source.quality.min_text_chars == 300000


# -- 4. quality.warn_only names a check that exists ------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("not_null.sectoin", ["'not_null.sectoin'", "not_null", "'sectoin'", "url"]),
    ("not_null.section", ["'not_null.section'", "'section'"]),  # a nullable column: not_null never checks it
    ("column_type.", ["'column_type.'"]),
    ("text_length.whatever", ["'text_length.whatever'", "text_length takes no column"]),
    ("row_count", ["'row_count' is not an expectation id"]),
])
def test_warn_only_refuses_a_name_no_check_has(tmp_path, name, expected):
    message = refused(tmp_path, with_lines(f"quality: {{warn_only: ['{name}']}}"))
    assert_names(message, ENTRY_A, "field 'quality.warn_only'", *expected)


def test_warn_only_accepts_ids_and_per_column_ids(tmp_path):
    names = ["not_null", "not_null.url", "column_type.section", "text_length", "title_not_site_name"]
    [source] = loads(tmp_path, with_lines(f"quality: {{warn_only: {names}}}"))
    assert source.quality.warn_only == tuple(names)


def test_per_column_warn_only_names_are_checked_without_pyarrow(tmp_path):
    """The check runs when a DAG file parses the sources file, which must not import pyarrow;
    its first version read the Arrow schema, and so imported pyarrow for any id.<column> name."""
    import subprocess
    import sys

    path = write(tmp_path, with_lines("quality: {warn_only: [not_null.authors, column_type.section]}"))
    probe = ("import sys; from newslake.config import load_sources; [s] = load_sources(sys.argv[1]); "
             "print(sorted(m for m in ('pyarrow', 'polars', 'pandas') if m in sys.modules), s.quality.warn_only)")
    done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NEWSLAKE_CACHE_DIR": "off"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] ('not_null.authors', 'column_type.section')"


def test_the_column_lists_the_loader_checks_are_the_schema_s():
    from newslake.config import article_column_placeholders
    from newslake.lake import articles_schema
    from newslake.validate import schema_placeholders

    plain, arrow = article_column_placeholders(), schema_placeholders(articles_schema())
    assert plain["schema.columns"] == arrow["schema.columns"]
    for name in ("schema.typed", "schema.required"):
        assert [item["column"] for item in plain[name]] == [item["column"] for item in arrow[name]]


# -- 5. URLs ----------------------------------------------------------------------------------------

BAD_URLS = {
    "space-in-host": ("'https://exa mple.com/rss'", "whitespace"),
    "port-too-big": ("'https://a.example:99999/rss'", "port"),
    "port-zero": ("'https://a.example:0/rss'", "port"),
    "port-letters": ("'https://a.example:abc/rss'", "port"),
    "backslash": (r"'https://a.example\\rss'", "backslash"),
    "trailing-space": ("'https://a.example/rss '", "whitespace"),
    "trailing-newline": ('"https://a.example/rss\\n"', "whitespace"),
    "control": ('"https://a.example/r\\x01ss"', "control character"),
    "empty-label": ("'https://a..example/rss'", "host"),
    "leading-hyphen": ("'https://-a.example/rss'", "host"),
    "bad-characters": ("'https://a!b.example/rss'", "host"),
    "no-host": ("'https:///rss'", "host"),
    "bad-ipv4": ("'http://300.1.2.3/rss'", "host"),
    "bad-ipv6": ("'http://[::1/rss'", "IPv6"),
    "bad-ipv6-address": ("'http://[::zz]/rss'", "IPv6"),
    "upper-case-scheme": ("'HTTPS://A.EXAMPLE/RSS'", "http(s)"),
    "numeric-last-label": ("'http://a.example.123/rss'", "IPv4"),
    "empty-port": ("'https://a.example:/rss'", "port"),
}


@pytest.mark.parametrize(("url", "reason"), BAD_URLS.values(), ids=BAD_URLS.keys())
def test_a_bad_url_is_refused_and_quoted(tmp_path, url, reason):
    message = refused(tmp_path, replaced("feeds: [https://a.example/rss]", f"feeds: [{url}]"))
    assert_names(message, ENTRY_A, "field 'feeds.0'", reason, repr(load_value(url)))


def load_value(flow_scalar: str) -> str:
    import yaml

    return yaml.safe_load(flow_scalar)


def test_a_folded_url_is_refused(tmp_path):
    text = replaced("feeds: [https://a.example/rss]", "feeds:\n      - https://a.example/very/long\n        /path")
    assert_names(refused(tmp_path, text), ENTRY_A, "field 'feeds.0'", "'https://a.example/very/long /path'", "whitespace")


def test_a_bad_sitemap_url_is_refused_too(tmp_path):
    message = refused(tmp_path, with_lines("sitemaps: ['https://a.example:65536/sitemap.xml']"))
    assert_names(message, ENTRY_A, "field 'sitemaps.0'", "'https://a.example:65536/sitemap.xml'", "port")


@pytest.mark.parametrize(("template", "reason"), [
    ("https://exa mple.com/{date}", "whitespace"),
    ("https://a.example:99999/{date}", "port"),
    ("https://a.example\\\\{date}", "backslash"),
    ("https://a..example/{date}", "host"),
    ("http://[/{date}", "IPv6"),
])
def test_a_bad_archive_template_is_refused_and_quoted(tmp_path, template, reason):
    message = refused(tmp_path, replaced("feeds: [https://a.example/rss]", f'archives: [{{url_template: "{template}"}}]'))
    assert_names(message, ENTRY_A, "field 'archives.0.url_template'", reason, repr(template.replace("\\\\", "\\")))


@pytest.mark.parametrize("url", [
    "https://a.example/rss", "http://127.0.0.1:8765/x/feed.xml", "http://[::1]:8080/rss", "https://a.example./rss",
    "https://médias24.ma/feed", "https://a.example/أخبار/rss", "https://a.example:443/rss?x=1&y=2#top",
    "https://my_host.example/rss", "http://localhost:8765/rss",
])
def test_good_urls_still_load(tmp_path, url):
    [source] = loads(tmp_path, replaced("feeds: [https://a.example/rss]", f"feeds: ['{url}']"))
    assert source.feeds == (url,)


# -- 6 and 7. ${ENV} references --------------------------------------------------------------------


def test_an_unset_variable_names_the_entry_and_field(tmp_path, monkeypatch):
    monkeypatch.delenv("NL_FEED_URL", raising=False)
    message = refused(tmp_path, replaced("feeds: [https://a.example/rss]", 'feeds: ["${NL_FEED_URL}/rss"]'))
    assert_names(message, ENTRY_A, "field 'feeds.0'", "environment variable NL_FEED_URL is not set")


def test_an_empty_variable_is_said_to_be_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("NL_FEED_URL", "")
    message = refused(tmp_path, replaced("feeds: [https://a.example/rss]", 'feeds: ["${NL_FEED_URL}/rss"]'))
    assert_names(message, ENTRY_A, "field 'feeds.0'", "environment variable NL_FEED_URL is empty")
    assert "not set" not in message


def test_a_default_is_used_when_the_variable_is_unset_or_empty(tmp_path, monkeypatch):
    text = replaced("feeds: [https://a.example/rss]", 'feeds: ["${NL_FEED_URL:-https://b.example}/rss"]')
    monkeypatch.delenv("NL_FEED_URL", raising=False)
    assert loads(tmp_path, text)[0].feeds == ("https://b.example/rss",)
    monkeypatch.setenv("NL_FEED_URL", "")
    assert loads(tmp_path, text)[0].feeds == ("https://b.example/rss",)
    monkeypatch.setenv("NL_FEED_URL", "https://c.example")
    assert loads(tmp_path, text)[0].feeds == ("https://c.example/rss",)


def test_a_reference_outside_an_entry_names_its_field(tmp_path, monkeypatch):
    monkeypatch.delenv("NL_SOURCES", raising=False)
    message = refused(tmp_path, "sources: ${NL_SOURCES}\n")
    assert_names(message, "field 'sources'", "NL_SOURCES is not set")


def test_an_entry_whose_id_is_a_reference_is_still_counted(tmp_path, monkeypatch):
    monkeypatch.delenv("NL_ID", raising=False)
    message = refused(tmp_path, replaced("id: a", "id: ${NL_ID}"))
    assert_names(message, "entry 1", "field 'id'", "NL_ID is not set")


@pytest.mark.parametrize("value", ["${OUTLET-NAME}", "${ NL_OWNER }", "${A:-${B:-x}}", "${HOME", "x ${} y", "${1X}"])
def test_a_malformed_reference_is_refused_naming_the_field(tmp_path, monkeypatch, value):
    monkeypatch.setenv("HOME", "/root")
    message = refused(tmp_path, with_lines(f"owner: '{value}'"))
    assert_names(message, ENTRY_A, "field 'owner'", "${")


def test_a_variables_value_is_not_expanded_again(tmp_path, monkeypatch):
    monkeypatch.setenv("NL_OWNER", "desk ${NOT_A_REFERENCE}")
    [source] = loads(tmp_path, with_lines("owner: ${NL_OWNER}"))
    assert source.owner == "desk ${NOT_A_REFERENCE}"


# -- 8. language codes --------------------------------------------------------------------------------


@pytest.mark.parametrize("languages", ["[xx]", "[fr, zz]", '["fr\\n"]', "[FR]", "[fra]", "[sh]"])
def test_a_language_that_is_not_iso_639_1_is_refused(tmp_path, languages):
    message = refused(tmp_path, replaced("languages: [fr]", f"languages: {languages}"))
    assert_names(message, ENTRY_A, "field 'languages'", "ISO 639-1")


def test_the_iso_639_1_list_is_complete():
    from newslake.config import ISO_639_1_CODES

    assert len(ISO_639_1_CODES) == 183
    assert {"fr", "ar", "en", "es", "zh", "zu", "aa", "nb", "nn", "no", "he", "yi", "id", "jv"} <= ISO_639_1_CODES
    assert not {"iw", "in", "ji", "jw", "mo", "sh", "xx", "zz"} & ISO_639_1_CODES


# -- 9. wrong types are not converted ------------------------------------------------------------------


@pytest.mark.parametrize(("line", "field", "reason"), [
    ("requests_per_second: true", "requests_per_second", "boolean"),
    ("quality: {min_text_chars: true}", "quality.min_text_chars", "boolean"),
    ("volume: {drop_factor: false}", "volume.drop_factor", "boolean"),
    ("archives: [{url_template: 'https://a.example/{date}', max_pages: yes}]", "archives.0.max_pages", "boolean"),
    ("aggregator: 1", "aggregator", "true or false"),
    ("aggregator: 'yes'", "aggregator", "true or false"),
    ("robots_sitemaps: 0", "robots_sitemaps", "true or false"),
    ("start_date: 1767225600", "start_date", "YYYY-MM-DD"),
    ("start_date: 0", "start_date", "YYYY-MM-DD"),
    ("start_date: 20260101", "start_date", "YYYY-MM-DD"),
    ("start_date: '1767225600'", "start_date", "YYYY-MM-DD"),
    ("start_date: true", "start_date", "YYYY-MM-DD"),
])
def test_a_value_of_the_wrong_type_is_refused_not_converted(tmp_path, line, field, reason):
    message = refused(tmp_path, with_lines(line))
    assert_names(message, ENTRY_A, f"field '{field}'", reason)


def test_values_from_environment_variables_are_read_as_their_fields_type(tmp_path, monkeypatch):
    monkeypatch.setenv("NL_RPS", "2.5")
    monkeypatch.setenv("NL_MIN", "300")
    monkeypatch.setenv("NL_AGG", "true")
    monkeypatch.setenv("NL_START", "2026-02-01")
    [source] = loads(tmp_path, with_lines(
        "requests_per_second: ${NL_RPS}", "quality: {min_text_chars: '${NL_MIN}'}", "aggregator: ${NL_AGG}",
        "robots_sitemaps: ${NL_ROBOTS:-false}", "start_date: ${NL_START}", "volume: {lookback_days: '7'}"))
    assert (source.requests_per_second, source.quality.min_text_chars, source.aggregator, source.robots_sitemaps) == (2.5, 300, True, False)
    assert source.start_date == dt.date(2026, 2, 1) and source.volume.lookback_days == 7
    monkeypatch.setenv("NL_AGG", "yes")
    assert_names(refused(tmp_path, with_lines("aggregator: ${NL_AGG}")), ENTRY_A, "field 'aggregator'", "'yes'", "true or false")


def test_yaml_dates_and_numbers_still_load(tmp_path):
    [source] = loads(tmp_path, with_lines("start_date: 2026-03-04", "requests_per_second: 2", "aggregator: false", "quality: {max_duplicate_share: 1}"))
    assert source.start_date == dt.date(2026, 3, 4) and source.requests_per_second == 2.0 and source.aggregator is False


# -- 10. messages about the file's shape ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("", "the file is empty"),
    ("# only a comment\n\n", "the file is empty"),
    ("- id: a\n", "expected a mapping with a 'sources:' list"),
    ("just text\n", "expected a mapping with a 'sources:' list"),
    ("sources:\n", "field 'sources'"),
])
def test_a_wrong_top_level_says_what_is_expected(tmp_path, text, expected):
    message = refused(tmp_path, text)
    assert_names(message, expected)
    assert "_SourcesFile" not in message and "dictionary" not in message


def test_an_entry_that_is_not_a_mapping_is_counted_as_an_entry(tmp_path):
    message = refused(tmp_path, MINIMAL + "  -\n")
    assert_names(message, "entry 2", "expected a mapping")
    assert "sources.1" not in message
    assert_names(refused(tmp_path, MINIMAL + "  - just text\n"), "entry 2", "'just text'")


def test_an_unquoted_yaml_boolean_where_a_string_is_expected_gets_a_hint(tmp_path):
    message = refused(tmp_path, replaced("languages: [fr]", "languages: [fr, no]"))
    assert_names(message, ENTRY_A, "field 'languages.1'", "boolean", "quote")


# -- 11. time zones ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "right/UTC", "Factory", "posix/Africa/Casablanca", "Mars/Olympus"])
def test_a_name_that_is_not_an_iana_time_zone_is_refused(tmp_path, zone):
    message = refused(tmp_path, with_lines(f"timezone: {zone}"))
    assert_names(message, ENTRY_A, "field 'timezone'", repr(zone))


@pytest.mark.parametrize("zone", ["UTC", "Africa/Casablanca", "Etc/GMT+1", "America/Argentina/Buenos_Aires", "Europe/Kyiv"])
def test_iana_time_zones_still_load(tmp_path, zone):
    assert loads(tmp_path, with_lines(f"timezone: {zone}"))[0].timezone == zone
