"""The DAG files' view of the sources file (newslake.dag_sources): the same entries as a full
validation, remembered between parses only while nothing that decides them has changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from newslake import dag_sources
from newslake.config import DEFAULT_SOURCES_FILE, SourcesConfigError, load_sources
from newslake.dag_sources import CACHE_FILES_KEPT, load_dag_sources

ENTRY = """
  - id: {id}
    name: Source {id}
    languages: [fr, ar]
    timezone: Africa/Casablanca
    owner: desk-{id}
    start_date: 2026-11-02
    feeds: ["${{SITE_URL:-http://fallback.test}}/{id}/feed.xml"]
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("NEWSLAKE_CACHE_DIR", str(folder))
    monkeypatch.delenv("SITE_URL", raising=False)
    return folder


def sources_file(tmp_path, *ids: str, extra: str = ""):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n" + "".join(ENTRY.format(id=i) for i in ids) + extra, encoding="utf-8")
    return path


def cache_files(folder):
    return sorted(folder.glob("dag-sources-*.json")) if folder.exists() else []


def expected(path):
    return [
        (s.id, s.name, s.dag_id, s.timezone, s.start_date, s.owner, tuple(s.languages), s.host_pool) for s in load_sources(path)
    ]


def as_tuples(entries):
    return [(e.id, e.name, e.dag_id, e.timezone, e.start_date, e.owner, e.languages, e.host_pool) for e in entries]


def test_entries_match_a_full_validation_first_and_from_the_cache(cache):
    first = load_dag_sources(DEFAULT_SOURCES_FILE)
    assert len(cache_files(cache)) == 1
    again = load_dag_sources(DEFAULT_SOURCES_FILE)
    assert as_tuples(first) == as_tuples(again) == expected(DEFAULT_SOURCES_FILE)


def test_a_remembered_file_is_read_without_the_validating_loader(cache):
    load_dag_sources(DEFAULT_SOURCES_FILE)
    probe = (
        "import sys; from newslake.dag_sources import load_dag_sources; "
        f"ids = [s.id for s in load_dag_sources({str(DEFAULT_SOURCES_FILE)!r})]; "
        "print(sorted(m for m in ('newslake.config', 'pydantic', 'yaml') if m in sys.modules), len(ids))"
    )
    environment = {**os.environ, "NEWSLAKE_CACHE_DIR": str(cache)}
    warm = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=True).stdout
    assert warm.split() == ["[]", str(len(load_sources(DEFAULT_SOURCES_FILE)))]
    environment["NEWSLAKE_CACHE_DIR"] = "off"
    cold = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=True).stdout
    assert "'newslake.config'" in cold


def test_an_invalid_file_is_never_remembered(cache, tmp_path):
    path = sources_file(tmp_path, "good", extra="  - id: Bad Id!\n    name: x\n    languages: [fr]\n    feeds: [https://x.test/f]\n")
    for _ in range(2):
        with pytest.raises(SourcesConfigError, match="entry 2"):
            load_dag_sources(path)
    assert cache_files(cache) == []


def test_an_edit_of_the_file_is_seen_at_once(cache, tmp_path):
    path = sources_file(tmp_path, "one")
    assert [s.id for s in load_dag_sources(path)] == ["one"]
    sources_file(tmp_path, "one", "two")
    assert [s.id for s in load_dag_sources(path)] == ["one", "two"]
    # The edit that breaks the file fails even though a valid version is remembered.
    path.write_text(path.read_text(encoding="utf-8").replace("timezone: Africa/Casablanca", "timezone: Mars/Olympus", 1), encoding="utf-8")
    with pytest.raises(SourcesConfigError, match="Mars/Olympus"):
        load_dag_sources(path)


def test_a_change_of_a_referenced_environment_variable_is_seen(cache, tmp_path, monkeypatch):
    path = sources_file(tmp_path, "one")
    assert load_dag_sources(path)[0].host_pool == "newslake_host_fallback_test"
    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:9999")
    assert load_dag_sources(path)[0].host_pool == "newslake_host_127_0_0_1_9999"
    monkeypatch.delenv("SITE_URL")
    assert load_dag_sources(path)[0].host_pool == "newslake_host_fallback_test"
    assert len(cache_files(cache)) == 2


def test_a_change_of_the_validating_code_is_seen(cache, tmp_path, monkeypatch):
    path = sources_file(tmp_path, "one")
    load_dag_sources(path)
    changed_loader = tmp_path / "config.py"
    changed_loader.write_text("# a new version of the loader\n", encoding="utf-8")
    monkeypatch.setattr(dag_sources, "_VALIDATION_INPUTS", (changed_loader, *dag_sources._VALIDATION_INPUTS[1:]))
    load_dag_sources(path)
    assert len(cache_files(cache)) == 2


def test_an_upgrade_of_a_validating_library_is_seen(cache, tmp_path, monkeypatch):
    """pydantic, cssselect, PyYAML or tzdata upgraded: what the file validates to may differ (a
    new rule, a new time zone), so it is validated again (before, the cache was kept)."""
    path = sources_file(tmp_path, "one")
    load_dag_sources(path)
    # Another cssselect, found first on the path, as after an upgrade into another folder.
    other = tmp_path / "upgraded" / "cssselect"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("# cssselect, another version\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(other.parent))
    # A dag-processor parses in a fresh process, where cssselect is not loaded (a loaded module
    # is found as loaded: the version in use); earlier tests in this one have loaded it.
    monkeypatch.delitem(sys.modules, "cssselect", raising=False)
    load_dag_sources(path)
    assert len(cache_files(cache)) == 2
    # The same folder, its files rewritten by the upgrade: a new size and time.
    (other / "__init__.py").write_text("# cssselect, the next version\n__version__ = '9'\n", encoding="utf-8")
    os.utime(other / "__init__.py", ns=(1, 1))
    load_dag_sources(path)
    assert len(cache_files(cache)) == 3
    assert as_tuples(load_dag_sources(path)) == expected(path)
    assert len(cache_files(cache)) == 3  # and remembered again from then on


def test_a_damaged_cache_file_is_validated_again_and_rewritten(cache, tmp_path):
    path = sources_file(tmp_path, "one")
    load_dag_sources(path)
    [remembered] = cache_files(cache)
    for damage in ("{not json", json.dumps({"sources": [{"id": "one"}]}), json.dumps({"sources": [{"start_date": "never"}]})):
        remembered.write_text(damage, encoding="utf-8")
        assert as_tuples(load_dag_sources(path)) == expected(path)
        assert json.loads(remembered.read_text(encoding="utf-8"))["sources"][0]["id"] == "one"


def test_a_cache_folder_others_may_write_is_not_trusted(cache, tmp_path):
    path = sources_file(tmp_path, "one")
    load_dag_sources(path)
    [remembered] = cache_files(cache)
    document = json.loads(remembered.read_text(encoding="utf-8"))
    document["sources"][0]["owner"] = "planted"
    remembered.write_text(json.dumps(document), encoding="utf-8")
    os.chmod(cache, 0o777)
    try:
        assert load_dag_sources(path)[0].owner == "desk-one"
    finally:
        os.chmod(cache, 0o700)
    assert load_dag_sources(path)[0].owner == "planted"  # the same file, from a private folder: trusted


def test_no_cache_when_turned_off_or_unwritable(tmp_path, monkeypatch):
    path = sources_file(tmp_path, "one")
    monkeypatch.setenv("NEWSLAKE_CACHE_DIR", "off")
    assert as_tuples(load_dag_sources(path)) == expected(path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("NEWSLAKE_CACHE_DIR", str(blocker / "cache"))
    assert as_tuples(load_dag_sources(path)) == expected(path)
    assert not list(tmp_path.rglob("dag-sources-*.json"))


def test_the_cache_keeps_only_the_newest_files(cache, tmp_path, monkeypatch):
    path = sources_file(tmp_path, "one")
    for port in range(CACHE_FILES_KEPT + 4):
        monkeypatch.setenv("SITE_URL", f"http://127.0.0.1:{9000 + port}")
        load_dag_sources(path)
    assert len(cache_files(cache)) == CACHE_FILES_KEPT
    assert not list(cache.glob(".dag-sources-*.tmp"))


def test_an_unreadable_sources_file_gets_the_loaders_error(cache, tmp_path):
    with pytest.raises(SourcesConfigError, match="cannot be read"):
        load_dag_sources(tmp_path / "missing.yaml")
