"""The sources file as the DAG files need it, remembered between parses.

Airflow's dag-processor parses ``newslake_sources.py`` and ``newslake_story_clusters.py`` again
and again (every 30 s by default), each time in a fresh process, so whatever they do is paid on
every parse. Validating the sources file means importing pydantic's models and checking every
field (``newslake.config``); the DAGs need only a few fields of each valid entry. So the first
parse validates the file in full and writes those fields to a small JSON file; later parses read
it back, as long as nothing that decides the result has changed:

* the sources file's bytes,
* the value of every environment variable it references (``${NAME}``),
* the code that validates it (``config.py``, this module, ``validate.py`` and ``lake.py``: a
  ``warn_only`` name is an expectation of the articles suite, or one of its per-column checks,
  whose columns come from the articles schema) and the articles suite itself,
* the libraries the validation relies on (pydantic, cssselect for link selectors, PyYAML, the
  tzdata package for time zones): where each is installed, and its ``__init__``'s size and
  modification time, which an upgrade changes (found without importing them).

An invalid file is never remembered: each parse validates it again and fails with the loader's
message, as before. The tasks themselves always validate the file in full
(``orchestration.partition_context``), so nothing runs on a remembered entry alone.

The cache lives in ``NEWSLAKE_CACHE_DIR`` (default ``$XDG_CACHE_HOME/newslake`` or
``~/.cache/newslake``; a folder only its owner may use); ``NEWSLAKE_CACHE_DIR=off`` turns it off.
A cache that cannot be read or written is skipped, never an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import NamedTuple

from newslake import PROJECT_ROOT

DEFAULT_SOURCES_FILE = PROJECT_ROOT / "include" / "sources" / "sample.yaml"
# ${NAME} or ${NAME:-default}: lets one sources file serve several deployments (and the tests,
# which start the sample site on a free port). Expanded by newslake.config.
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

# The project's own DAGs (dags/newslake_maintenance.py, newslake_reextract.py, newslake_story_clusters.py
# take their ids from here); no source may be given an id whose DAG id (source_dag_id) is one of them.
MAINTENANCE_DAG_ID = "newslake_maintenance"
REEXTRACT_DAG_ID = "newslake_reextract"
STORY_CLUSTERS_DAG_ID = "newslake_story_clusters"
PROJECT_DAG_IDS = (MAINTENANCE_DAG_ID, REEXTRACT_DAG_ID, STORY_CLUSTERS_DAG_ID)

# Bump when DagSource changes shape: older cache files are then simply not found.
CACHE_FORMAT = 1
# Cache files kept (one per version of the sources file and its environment); older ones are removed.
CACHE_FILES_KEPT = 16
_VALIDATION_INPUTS = (
    Path(__file__).with_name("config.py"),
    Path(__file__),
    Path(__file__).with_name("validate.py"),
    Path(__file__).with_name("lake.py"),
    PROJECT_ROOT / "include" / "quality" / "articles_suite.yaml",
)
_VALIDATION_LIBRARIES = ("pydantic", "pydantic_core", "cssselect", "yaml", "tzdata")


# A NamedTuple, not a dataclass: a dataclass compiles its methods on every import, which every
# parse of the DAG files pays (docs/PERFORMANCE.md, "DAG parse time").
class DagSource(NamedTuple):
    """What a DAG file needs of a valid source entry (``newslake.config.Source`` has the rest)."""

    id: str
    name: str
    dag_id: str
    timezone: str
    start_date: dt.date
    owner: str
    languages: tuple[str, ...]
    host_pool: str


def source_dag_id(source_id: str) -> str:
    """The DAG id of the source ``source_id``: ``newslake_<id>``, each hyphen an underscore."""
    return f"newslake_{source_id.replace('-', '_')}"


def sources_file_path() -> Path:
    """The sources file the DAG factory reads: ``NEWSLAKE_SOURCES_FILE`` or the sample file."""
    configured = os.environ.get("NEWSLAKE_SOURCES_FILE")
    if not configured:
        return DEFAULT_SOURCES_FILE
    path = Path(configured)
    return path if path.is_absolute() else PROJECT_ROOT / path


def load_dag_sources(path: Path | str | None = None) -> list[DagSource]:
    """The sources of a valid sources file; ``config.SourcesConfigError`` for an invalid one."""
    path = Path(path) if path is not None else sources_file_path()
    cache_file = _cache_file(path)
    if cache_file is not None:
        remembered = _read(cache_file)
        if remembered is not None:
            return remembered

    from newslake.config import load_sources

    sources = [
        DagSource(
            id=source.id, name=source.name, dag_id=source.dag_id, timezone=source.timezone, start_date=source.start_date,
            owner=source.owner, languages=tuple(source.languages), host_pool=source.host_pool,
        )
        for source in load_sources(path)
    ]
    if cache_file is not None:
        _write(cache_file, sources)
    return sources


def cache_dir() -> Path | None:
    """Where parses remember valid sources files; None when turned off."""
    configured = os.environ.get("NEWSLAKE_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "newslake"


def _cache_file(path: Path) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        source_bytes = path.read_bytes()
        digest = hashlib.sha256(f"newslake dag sources {CACHE_FORMAT}\0".encode())
        digest.update(hashlib.sha256(source_bytes).digest())
        # Names in order of first use, each with its value (or its absence).
        names = dict.fromkeys(match.group(1) for match in ENV_REFERENCE.finditer(source_bytes.decode("utf-8")))
        digest.update(json.dumps({name: os.environ.get(name) for name in names}).encode())
        for validation_input in _VALIDATION_INPUTS:
            digest.update(hashlib.sha256(validation_input.read_bytes()).digest())
        digest.update(json.dumps(_library_stamps()).encode())
    except (OSError, UnicodeDecodeError):
        return None  # the loader reports an unreadable file in its own words
    return folder / f"dag-sources-{digest.hexdigest()[:40]}.json"


def _library_stamps() -> dict[str, list | None]:
    """Where each validation library is installed, with its ``__init__``'s size and mtime (None
    when absent): an upgrade or a downgrade changes them. ``find_spec`` locates a top-level package
    without importing it, well under a millisecond for all of them."""
    import importlib.util

    stamps: dict[str, list | None] = {}
    for name in _VALIDATION_LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin or not os.path.exists(spec.origin):
            stamps[name] = None
            continue
        status = os.stat(spec.origin)
        stamps[name] = [spec.origin, status.st_size, status.st_mtime_ns]
    return stamps


def _own_private_folder(folder: Path) -> bool:
    """The cache decides DAG definitions: only a folder of our own that others cannot write counts."""
    try:
        info = folder.stat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def _read(cache_file: Path) -> list[DagSource] | None:
    if not _own_private_folder(cache_file.parent):
        return None
    try:
        document = json.loads(cache_file.read_text(encoding="utf-8"))
        return [
            DagSource(**{**entry, "start_date": dt.date.fromisoformat(entry["start_date"]), "languages": tuple(entry["languages"])})
            for entry in document["sources"]
        ]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged cache file: validated again, and rewritten


def _write(cache_file: Path, sources: list[DagSource]) -> None:
    folder = cache_file.parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _own_private_folder(folder):
            return
        document = {
            "format": CACHE_FORMAT,
            "sources": [
                {**source._asdict(), "start_date": source.start_date.isoformat(), "languages": list(source.languages)}
                for source in sources
            ],
        }
        # Written whole, then renamed: a parse running at the same time reads the old file or the new one.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".dag-sources-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(document, out)
            os.replace(temporary, cache_file)
        except BaseException:
            os.unlink(temporary)
            raise
        _remove_old_files(folder)
    except OSError:
        return


def _remove_old_files(folder: Path) -> None:
    files = sorted(folder.glob("dag-sources-*.json"), key=lambda f: f.stat().st_mtime, reverse=True)
    for old in files[CACHE_FILES_KEPT:]:
        old.unlink(missing_ok=True)
