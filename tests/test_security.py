"""Security guarantees of newslake (issue #9), SSRF and DNS rebinding aside (tests/test_netguard.py,
tests/test_http.py). What these tests prove:

Path traversal — nothing built from a source id, a date, a URL or a request leaves the lake:
* the sources loader (and the Source model behind it) refuses hostile source ids — ``../../etc``,
  ``a/b``, ``..``, ``%2e%2e``, absolute paths, NUL, backslashes, unicode lookalikes — with an error
  naming the file, the entry and the field;
* ``Storage`` refuses keys with ``..`` segments or a NUL in every operation, on a local disk and on
  S3 (moto), and a sentinel beside the lake survives every attempt; absolute, backslash,
  percent-encoded and lookalike keys stay inside the root;
* names derived from URLs (the listing cache's object names) are hashes, the raw zone's names are
  fixed; a hostile object key in an S3 lake's data_docs/ cannot make ``make docs`` write outside
  its folder; the ``make docs`` server and the lake health page's routes (a ``../`` source, day or
  file, encoded or not) serve and read nothing outside the lake's Data Docs.

XML entities — feeds, sitemaps, archive pages and article pages are parsed without reading a local
file or a URL through an external entity, a parameter entity or an external DTD, and without
expanding a billion-laughs or quadratic-blowup entity (complements tests/test_hostile_listings.py).

Secrets — never in logs, XCom or the lake:
* a real DAG run (dag.test) on an S3 lake (moto) whose Airflow connection holds canary credentials:
  the canaries are in no task log, no row of any table of the metadata DB (XCom included), no
  object of the lake (Parquet decoded, WARC decompressed) and no page of the rendered Data Docs;
* a failure notification through a webhook (the URL is the secret) or SMTP (a password) logs
  neither, whether delivery works or fails;
* source URLs carrying credentials (``user:pass@``, ``?token=``) are refused by the loader, whose
  message masks them — they would otherwise be stored in the lake and logged;
* the repository holds no key-looking value beyond an allowlist of known dummies.

Airflow UI (marker ``airflow_services``): the services of ``make airflow`` listen on 127.0.0.1
only, and the REST API, the Execution API and the lake health plugin refuse unauthenticated
requests while a logged-in user's token works.

Dependencies: tools/audit_dependencies.py runs pip-audit, prints a summary and always exits 0.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.client
import io
import json
import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import airflow.sdk  # noqa: F401  (Airflow configures logging on import: before caplog adds its handler)
import pytest

from conftest import REPO, free_port
from localserver import Response
from newslake import datadocs, lake
from newslake.config import Settings, Source, SourcesConfigError, load_sources
from newslake.storage import Storage, StorageError

DAY = dt.date(2026, 11, 24)

# Canary credentials: distinctive, so that finding one anywhere means it leaked.
CANARY_ACCESS_KEY = "AKIANEWSLAKECANARY01"
CANARY_SECRET_KEY = "canary-secret-7Qm2xV9pL4nK8wR3tY6uZ1aB"
CANARY_WEBHOOK_TOKEN = "canary-webhook-token-5f3a9e"
CANARY_SMTP_PASSWORD = "canary-smtp-password-9d1c"
CANARY_URL_PASSWORD = "canary-url-password-c0ffee"
CANARY_URL_TOKEN = "canary-url-token-d00d"
CANARIES = (CANARY_ACCESS_KEY, CANARY_SECRET_KEY, CANARY_WEBHOOK_TOKEN, CANARY_SMTP_PASSWORD, CANARY_URL_PASSWORD, CANARY_URL_TOKEN)


def canaries_in(data: bytes | str) -> list[str]:
    """The canaries ``data`` contains (case-insensitively: a log may upper- or lower-case)."""
    text = data.lower() if isinstance(data, bytes) else data.lower().encode("utf-8", "replace")
    return [canary for canary in CANARIES if canary.lower().encode() in text]


def readable(name: str, data: bytes) -> bytes:
    """A lake file's bytes as well as what a reader decodes from them: Parquet pages are zstd-
    compressed and the WARC is gzip, so a scan of the raw bytes alone would miss their text."""
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(data))
        schema = table.schema.to_string(show_field_metadata=True, show_schema_metadata=True)
        return data + schema.encode() + json.dumps(table.to_pylist(), default=str).encode()
    if data[:2] == b"\x1f\x8b":
        return data + gzip.decompress(data)
    return data


def hostile_source_file(tmp_path: Path, source_id: str) -> Path:
    path = tmp_path / "sources.yaml"
    # JSON strings are YAML double-quoted scalars: NUL, backslashes and non-ASCII survive as such.
    path.write_text(
        "sources:\n"
        f"  - id: {json.dumps(source_id)}\n    name: Hostile\n    languages: [en]\n    feeds: ['https://news.example/feed.xml']\n",
        encoding="utf-8",
    )
    return path


# -- path traversal: source ids -------------------------------------------------------------------

HOSTILE_SOURCE_IDS = {
    "dotdot-path": "../../etc",
    "slash": "a/b",
    "dotdot": "..",
    "dot": ".",
    "percent-dotdot": "%2e%2e",
    "percent-slash": "a%2fb",
    "absolute": "/etc/passwd",
    "nul": "atlas\x00gazette",
    "backslash": "a\\b",
    "backslash-dotdot": "..\\..\\windows",
    "windows-drive": "C:\\lake",
    "fullwidth": "ａｔｌａｓ",
    "cyrillic-a": "\u0430tlas-gazette",
    "one-dot-leaders": "\u2024\u2024",
    "unicode-hyphen": "atlas\u2010gazette",
    "fullwidth-solidus": "a\uff0fb",
    "trailing-newline": "atlas\n",
    "leading-space": " atlas",
    "home": "~",
    "partition-injection": "x/dt=2026-01-01/source=y",
    "uppercase": "Atlas",
    "empty": "",
    "leading-hyphen": "-atlas",
    "too-long": "a" * 64,
}


@pytest.mark.parametrize("source_id", HOSTILE_SOURCE_IDS.values(), ids=HOSTILE_SOURCE_IDS.keys())
def test_sources_loader_refuses_a_hostile_source_id_naming_the_field(tmp_path, source_id):
    path = hostile_source_file(tmp_path, source_id)
    with pytest.raises(SourcesConfigError) as refused:
        load_sources(path)
    message = str(refused.value)
    assert str(path) in message and "entry 1" in message and "field 'id'" in message, message
    # The model behind the loader refuses it too, so no PartitionContext can be built with it.
    with pytest.raises(ValueError, match="id"):
        Source(id=source_id, name="Hostile", languages=("en",), feeds=("https://news.example/feed.xml",))


def test_a_well_formed_source_id_loads(tmp_path):
    """The control of the test above: the same file with a valid id loads."""
    [source] = load_sources(hostile_source_file(tmp_path, "atlas-gazette-2"))
    assert source.id == "atlas-gazette-2"


# -- path traversal: the storage layer -------------------------------------------------------------

ESCAPING_KEYS = ["..", "../outside.txt", "../../etc/passwd", "a/../../outside.txt", "articles/../../outside.txt",
                 "/../outside.txt", "a//..//..//outside.txt", "./../outside.txt", "a/b/../../../outside.txt", "lake\x00/x"]


def test_storage_refuses_escaping_keys_in_every_operation(storage, request):
    """Every operation goes through Storage.path, which refuses ``..`` segments and NUL; a file
    (local) or object (S3) beside the lake survives every attempt to reach or delete it."""
    if storage.is_s3:
        moto_s3 = request.getfixturevalue("moto_s3")
        bucket, root_prefix = storage.path("").split("/", 1)
        sibling = f"{root_prefix.rsplit('/', 1)[0]}/outside.txt" if "/" in root_prefix else "outside.txt"
        moto_s3["client"].put_object(Bucket=bucket, Key=sibling, Body=b"sentinel")

        def sentinel() -> bytes:
            return moto_s3["client"].get_object(Bucket=bucket, Key=sibling)["Body"].read()
    else:
        outside = Path(storage.path("")).parent / "outside.txt"
        outside.write_bytes(b"sentinel")

        def sentinel() -> bytes:
            return outside.read_bytes()

    storage.write_bytes("inside.txt", b"inside")
    operations = {
        "exists": lambda key: storage.exists(key),
        "read_bytes": lambda key: storage.read_bytes(key),
        "read_range": lambda key: storage.read_range(key, 0, 4),
        "write_bytes": lambda key: storage.write_bytes(key, b"overwritten"),
        "copy_from": lambda key: storage.copy(key, "copied.txt"),
        "copy_to": lambda key: storage.copy("inside.txt", key),
        "list": lambda key: storage.list(key),
        "list_with_mtime": lambda key: storage.list_with_mtime(key),
        "delete": lambda key: storage.delete(key),
        "delete_prefix": lambda key: storage.delete_prefix(key),
        "url": lambda key: storage.url(key),
    }
    for key in ESCAPING_KEYS:
        for name, operation in operations.items():
            with pytest.raises(StorageError, match="escapes the lake root|NUL"):
                operation(key)
                pytest.fail(f"{name}({key!r}) was allowed")
    assert sentinel() == b"sentinel"
    assert storage.list("") == ["inside.txt"]  # nothing was copied or written inside either


CONFINED_KEYS = {
    "absolute": "/etc/newslake-absolute.txt",
    "backslash-dotdot": "..\\..\\newslake-backslash.txt",
    "percent-dotdot": "%2e%2e/%2e%2e/newslake-percent.txt",
    "percent-slash": "..%2f..%2fnewslake-percent-slash.txt",
    "one-dot-leaders": "\u2024\u2024/newslake-lookalike.txt",
    "fullwidth-solidus": "\uff0e\uff0e\uff0fnewslake-fullwidth.txt",
    "three-dots": ".../newslake-three-dots.txt",
    "dot-segment": "./newslake-dot.txt",
    "tilde": "~/newslake-tilde.txt",
}


@pytest.mark.parametrize("key", CONFINED_KEYS.values(), ids=CONFINED_KEYS.keys())
def test_storage_keeps_odd_keys_inside_the_root(storage, request, key):
    """Keys that look like escapes but are no ``..`` segment are names below the root: what is
    written is listed under the root, and (local) the file is inside the root folder; (S3) every
    object of the bucket that appeared is below the lake's prefix."""
    if storage.is_s3:
        moto_s3 = request.getfixturevalue("moto_s3")
        bucket, prefix = storage.path("").split("/", 1)
        before = {o["Key"] for o in moto_s3["client"].list_objects_v2(Bucket=bucket).get("Contents", [])}
    storage.write_bytes(key, b"confined")
    [listed] = storage.list("")
    assert storage.read_bytes(listed) == b"confined"
    if storage.is_s3:
        after = {o["Key"] for o in moto_s3["client"].list_objects_v2(Bucket=bucket).get("Contents", [])}
        assert after - before and all(name.startswith(prefix + "/") for name in after - before), after - before
    else:
        root = Path(storage.path("")).resolve()
        written = [path for path in root.rglob("*") if path.is_file()]
        assert len(written) == 1 and written[0].resolve().is_relative_to(root)
        assert not Path("/etc/newslake-absolute.txt").exists()


def test_a_nul_in_a_key_is_refused_not_cut(storage):
    """Bug found here: S3 stored ``a\\x00b`` as the object ``a`` (pyarrow cuts the key at the
    NUL), overwriting another key than the one named; a local disk raised a bare ValueError."""
    storage.write_bytes("articles", b"the real object")
    with pytest.raises(StorageError, match="NUL"):
        storage.write_bytes("articles\x00.tmp", b"clobbered")
    assert storage.read_bytes("articles") == b"the real object"


def test_lake_keys_of_a_hostile_source_id_never_leave_the_lake(tmp_path):
    """Defence in depth, if a hostile id ever got past the loader: every lake key built from it
    is refused by Storage or lands inside the lake root."""
    storage = Storage(str(tmp_path / "lake"))
    root = Path(storage.path("")).resolve()
    builders = [lake.articles_key, lake.fetch_log_key, lake.raw_key, lake.run_metrics_key, lake.validation_key,
                lambda day, source: f"{lake.quarantine_prefix(day, source)}/x", lambda day, source: f"{lake.staging_prefix(day, source)}/x",
                lambda day, source: lake.raw_manifest_key(day, source, "fetched.json"),
                lambda day, source: f"{datadocs.partition_prefix(day, source)}/articles.html"]
    refused = set()
    for source_id in HOSTILE_SOURCE_IDS.values():
        for build in builders:
            key = build(DAY, source_id)
            try:
                storage.write_bytes(key, b"x")
            except StorageError:
                refused.add(source_id)
                continue
            assert Path(storage.path(key)).resolve().is_relative_to(root), key
    assert {HOSTILE_SOURCE_IDS["dotdot-path"], HOSTILE_SOURCE_IDS["nul"]} <= refused
    assert sorted(path.name for path in tmp_path.iterdir()) == ["lake"]  # nothing beside the lake


def test_names_derived_from_urls_are_hashes_or_fixed():
    """The listing cache names its objects by a hash of the listing URL, and the raw zone's file
    names are constants: a URL can choose no part of a lake path."""
    from newslake.pipeline import LakeListingCache

    cache = LakeListingCache(Storage("/nonexistent-lake"), "atlas-gazette")
    for url in ["http://x.example/../../../etc/passwd", "http://x.example/%2e%2e/%2e%2e/x", "http://x.example/a\x00b",
                "http://x.example/..\\..\\x", "file:///etc/passwd", "http://x.example/" + "a/" * 500]:
        assert re.fullmatch(r"state/listings/source=atlas-gazette/[0-9a-f]{32}\.json", cache._key(url)), url
    assert lake.raw_key(DAY, "atlas-gazette") == "raw/dt=2026-11-24/source=atlas-gazette/responses.warc.gz"


def test_a_hostile_object_key_in_an_s3_lake_cannot_make_make_docs_write_outside(moto_s3, s3_storage, tmp_path):
    """S3 keys are free text: an object ``data_docs/../../../escape.html`` in the bucket is listed
    as such. Copying the Data Docs to the local folder (``make docs`` on an S3 lake) refuses it
    instead of writing beside the folder."""
    bucket, prefix = s3_storage.path("").split("/", 1)
    s3_storage.write_bytes("data_docs/index.html", b"<html>index</html>")
    moto_s3["client"].put_object(Bucket=bucket, Key=f"{prefix}/data_docs/../../../escape.html", Body=b"<script>escaped</script>")
    assert "data_docs/../../../escape.html" in s3_storage.list("data_docs/")
    target = tmp_path / "docs" / "copy"
    with pytest.raises(StorageError, match="escapes the lake root"):
        datadocs.sync_to_local(s3_storage, target)
    assert [p for p in tmp_path.rglob("escape.html")] == []


# -- path traversal: what is served ----------------------------------------------------------------

OUTSIDE_SECRET = "outside-the-lake-secret-41f7"
LAKE_PRIVATE = "inside-the-lake-not-docs-8c2e"


def tiny_health_lake(root: Path) -> Storage:
    """A lake with one source-day (run_metrics, Data Docs), a private file at its root that is no
    Data Docs page, and a secret file beside it."""
    from healthlake import metrics_row, write_metrics

    storage = Storage(str(root / "lake"))
    write_metrics(storage, DAY, "atlas-gazette", metrics_row(landed=2))
    storage.write_bytes(f"{datadocs.partition_prefix(DAY, 'atlas-gazette')}/articles.html", b"<html><body>docs of the day</body></html>")
    lake.write_json(storage, f"{datadocs.partition_prefix(DAY, 'atlas-gazette')}/verdict-passed.json", {"status": "passed"})
    datadocs.write_day_index(storage, DAY)
    datadocs.write_index(storage)
    storage.write_bytes("private.txt", LAKE_PRIVATE.encode())
    (root / "secret.txt").write_text(OUTSIDE_SECRET)
    return storage


TRAVERSAL_DOCS_PATHS = [
    "../private.txt", "../../secret.txt", "..%2fprivate.txt", "..%2F..%2Fsecret.txt", "%2e%2e/private.txt", "%2e%2e%2f%2e%2e%2fsecret.txt",
    f"dt={DAY}/source=../../private.txt", f"dt={DAY}/source=atlas-gazette/../../../private.txt", f"dt={DAY}/source=..%2f..%2f/x.html",
    "/etc/passwd", "//etc/passwd", "..\\..\\secret.txt", "index.html%00.txt", "\u2024\u2024/private.txt",
    f"dt={DAY}/source=atlas-gazette/%2e%2e%2f%2e%2e%2f%2e%2e%2fprivate.txt",
]


def test_health_page_routes_read_nothing_outside_the_lake_docs(tmp_path):
    """Every route that takes a day, a source or a path, fed traversal attempts: the docs route
    answers 404, the others 422 or data of the lake, and every path the app touched is below
    the lake root (recorded by a Storage subclass)."""
    from fastapi.testclient import TestClient

    from newslake import health

    class RecordingStorage(Storage):
        def path(self, key: str) -> str:
            resolved = super().path(key)
            self.touched.append(resolved)
            return resolved

    tiny_health_lake(tmp_path)
    storage = RecordingStorage(str(tmp_path / "lake"))
    storage.touched = []
    root = storage.path("")
    client = TestClient(health.create_app(lambda: health.HealthReader(storage, cache=health._FileCache())), raise_server_exceptions=False)

    assert client.get(f"/docs/dt={DAY}/source=atlas-gazette/articles.html").text == "<html><body>docs of the day</body></html>"
    for path in TRAVERSAL_DOCS_PATHS:
        answer = client.get(f"/docs/{path}")
        assert answer.status_code == 404, (path, answer.status_code)
        assert OUTSIDE_SECRET not in answer.text and LAKE_PRIVATE not in answer.text
    for value in ["../../etc", "..%2f..%2f", "2026-11-24/../../x", "/etc/passwd", "2026-11-24%00"]:
        for route in ("/api/day?dt=", "/api/grid?end=", "/api/trend?source=atlas-gazette&end="):
            assert client.get(route + value).status_code == 422, (route, value)
    # A traversal attempt is only an unknown source: a 404 that reads nothing outside the lake.
    trend = client.get("/api/trend", params={"source": "../../../etc/passwd"})
    assert trend.status_code == 404 and "unknown source" in trend.json()["detail"]
    assert client.get("/api/trend", params={"source": "atlas-gazette"}).json()["points"][0]["landed"] == 2

    assert storage.touched
    for touched in storage.touched:
        assert (touched == root or touched.startswith(root + "/")) and "/../" not in touched + "/", touched
        assert Path(touched).resolve().is_relative_to(Path(root)), touched


def raw_get(port: int, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """GET with the request target sent as is (httpx and urllib normalise ``..`` away)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_make_docs_server_serves_only_the_docs_folder(tmp_path):
    """``python -m newslake docs`` (a real subprocess) serves the lake's data_docs/ on 127.0.0.1:
    raw traversal targets never reach the lake's other files or the files beside it."""
    tiny_health_lake(tmp_path)
    port = free_port()
    env = {**os.environ, "NEWSLAKE_LAKE_URI": str(tmp_path / "lake")}
    server = subprocess.Popen([sys.executable, "-m", "newslake", "docs", "--port", str(port)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = raw_get(port, "/index.html")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode(errors="replace")
                assert time.monotonic() < deadline, "the docs server did not start"
                time.sleep(0.2)
        assert status == 200 and f"dt={DAY}/index.html".encode() in body
        status, body = raw_get(port, f"/dt={DAY}/index.html")
        assert status == 200 and b"source=atlas-gazette/articles.html" in body
        assert raw_get(port, f"/dt={DAY}/source=atlas-gazette/articles.html") == (200, b"<html><body>docs of the day</body></html>")
        for target in ["/../private.txt", "/../../secret.txt", "/%2e%2e/private.txt", "/%2e%2e/%2e%2e/secret.txt", "/..%2fprivate.txt",
                       "/..%2f..%2fsecret.txt", f"/dt={DAY}/../../private.txt", "/....//....//secret.txt", "//etc/passwd",
                       "/..\\..\\secret.txt", "/%c0%ae%c0%ae/private.txt"]:
            status, body = raw_get(port, target)
            assert OUTSIDE_SECRET.encode() not in body and LAKE_PRIVATE.encode() not in body, target
            assert status in (301, 400, 404), (target, status)
        import psutil

        listening = {c.laddr for c in psutil.Process(server.pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}
        assert listening == {("127.0.0.1", port)}
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()


# -- XML entities ------------------------------------------------------------------------------------

SECRET_FILE_TEXT = "ENTITY-FILE-CANARY-2b9d"
URL_ENTITY_TEXT = "ENTITY-URL-CANARY-77c1"
LAUGHS = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10))
QUADRATIC_VALUE = "Q" * 20_000  # x 2,000 references = 40 MB if expanded
ENTITY_ATTACKS = {
    # name: (internal subset or external id of the DOCTYPE, the entity reference in the content)
    "file-entity": ('[<!ENTITY x SYSTEM "file://{secret}">]', "&x;"),
    "url-entity": ('[<!ENTITY x SYSTEM "{server}/entity.txt">]', "&x;"),
    "parameter-entity": ('[<!ENTITY % p SYSTEM "{server}/param.dtd"> %p;]', "&x;"),
    "external-dtd": ('SYSTEM "{server}/external.dtd"', "&x;"),
    "public-dtd": ('PUBLIC "-//X//Y" "{server}/public.dtd"', "&x;"),
    "regex-bypass": ('[<!ENTITY y "]>"><!ENTITY x SYSTEM "file://{secret}">]', "&x;"),
    "billion-laughs": ("[" + LAUGHS + "]", "&lol9;"),
    "quadratic-blowup": (f'[<!ENTITY x "{QUADRATIC_VALUE}">]', "&x;" * 2_000),
}


def listing_body(kind: str, doctype: str, reference: str) -> bytes:
    if kind == "feed":
        return (f'<?xml version="1.0"?><!DOCTYPE rss {doctype}><rss version="2.0"><channel><title>t</title>'
                f"<item><title>{reference}</title><link>http://news.example/a.html</link>"
                "<pubDate>Tue, 24 Nov 2026 09:30:00 +0100</pubDate></item></channel></rss>").encode()
    if kind == "sitemap":
        return (f'<?xml version="1.0"?><!DOCTYPE urlset {doctype}><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>http://news.example/a.html</loc>'
                f"<news:news><news:title>{reference}</news:title><news:publication_date>2026-11-24</news:publication_date>"
                "</news:news></url></urlset>").encode()
    paragraphs = "".join(f"<p>Paragraph {n} of the story, long enough to be an article: the council met {reference} to vote "
                         "the budget of the port and of the schools of the northern provinces.</p>" for n in range(6))
    if kind == "archive":
        return f'<!DOCTYPE html {doctype}><html><body><a href="/a.html">{reference}</a>{paragraphs}</body></html>'.encode()
    return f"<!DOCTYPE html {doctype}><html><head><title>{reference}</title></head><body><article><h1>Story</h1>{paragraphs}</article></body></html>".encode()


def parse_listing(kind: str, body: bytes):
    """What the pipeline gets from a hostile listing: its items, or None if it was refused."""
    from newslake.discover import ListingParseError, parse_archive_page, parse_feed, parse_sitemap
    from newslake.extract import extract_article

    try:
        if kind == "feed":
            return parse_feed(body, "http://news.example/feed.xml")
        if kind == "sitemap":
            return parse_sitemap(body, "http://news.example/sitemap.xml")[0]
        if kind == "archive":
            return parse_archive_page(body, "http://news.example/archive/2026/11/24/", day=DAY)[0]
        return [extract_article(body, "http://news.example/a.html")]
    except ListingParseError:
        return None


@pytest.mark.parametrize("attack", ENTITY_ATTACKS, ids=ENTITY_ATTACKS.keys())
@pytest.mark.parametrize("kind", ["feed", "sitemap", "archive", "article"])
def test_entities_neither_read_files_nor_fetch_urls_nor_expand(kind, attack, tmp_path, start_local_server):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_FILE_TEXT)
    dtd = f'<!ENTITY x SYSTEM "file://{secret}">'.encode()
    server = start_local_server(lambda request, http: Response(200, URL_ENTITY_TEXT.encode() if request.path == "/entity.txt" else dtd,
                                                               "application/xml-dtd"))
    doctype, reference = ENTITY_ATTACKS[attack]
    body = listing_body(kind, doctype.replace("{secret}", str(secret)).replace("{server}", server.base_url), reference)

    parse_listing(kind, listing_body(kind, "", "benign"))  # lazy imports and models load outside the timing
    started = time.perf_counter()
    items = parse_listing(kind, body)
    elapsed = time.perf_counter() - started

    seen = repr(items)
    assert SECRET_FILE_TEXT not in seen and URL_ENTITY_TEXT not in seen
    assert server.requests == [], [r.target for r in server.requests]
    assert "lollollollol" not in seen and QUADRATIC_VALUE * 3 not in seen and len(seen) < 1_000_000
    assert elapsed < 2.0, f"{kind}/{attack} took {elapsed:.2f} s"
    if items is not None and kind != "article":  # not refused: the listing still gives its link
        assert [item.url for item in items] == ["http://news.example/a.html"]


# -- secrets: source URLs ------------------------------------------------------------------------------

CREDENTIAL_URLS = {
    "userinfo": f"https://reader:{CANARY_URL_PASSWORD}@news.example/feed.xml",
    "user-only": f"https://{CANARY_URL_TOKEN}@news.example/feed.xml",
    "token-param": f"https://news.example/feed.xml?lang=fr&token={CANARY_URL_TOKEN}",
    "api-key-param": f"https://news.example/feed.xml?API_KEY={CANARY_URL_TOKEN}",
    "encoded-param-name": f"https://news.example/feed.xml?access%5Ftoken={CANARY_URL_TOKEN}",
    "signed-s3-url": f"https://bucket.s3.example/feed.xml?X-Amz-Credential={CANARY_ACCESS_KEY}&X-Amz-Signature={CANARY_URL_TOKEN}",
}


@pytest.mark.parametrize("field", ["feeds", "sitemaps", "archives"])
@pytest.mark.parametrize("url", CREDENTIAL_URLS.values(), ids=CREDENTIAL_URLS.keys())
def test_source_urls_with_credentials_are_refused_and_the_message_masks_them(tmp_path, monkeypatch, field, url):
    """Source URLs are stored in the lake (fetch_log, raw manifests) and logged (the HTTP client's
    retries, a failed discovery's error), so a credential in one would land in both: the loader refuses it. The
    secret comes through an environment reference, as a deployment would do, and the message —
    which Airflow shows as the DAG file's import error — does not contain it."""
    monkeypatch.setenv("NEWSLAKE_TEST_FEED_URL", url if field != "archives" else url.replace("feed.xml", "{date}/"))
    value = "['${NEWSLAKE_TEST_FEED_URL}']" if field != "archives" else "[{url_template: '${NEWSLAKE_TEST_FEED_URL}'}]"
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - id: guarded\n    name: Guarded\n    languages: [en]\n    {field}: {value}\n")
    with pytest.raises(SourcesConfigError) as refused:
        load_sources(path)
    message = str(refused.value)
    assert f"field '{field}" in message and "entry 1 (id 'guarded')" in message and "must hold no secret" in message, message
    assert canaries_in(message) == [], message
    assert "***" in message


def test_urls_that_only_look_like_credentials_still_load(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - id: fine\n    name: Fine\n    languages: [en]\n"
                    "    feeds: ['https://medium.example/@someone/feed', 'https://news.example/rss?tokens=2&keyword=port']\n")
    assert load_sources(path)[0].feeds == ("https://medium.example/@someone/feed", "https://news.example/rss?tokens=2&keyword=port")


# -- secrets: failure notifications ---------------------------------------------------------------------

def failure_context() -> dict:
    class TaskInstance:
        dag_id, task_id, run_id, try_number = "newslake_canary_daily", "validate", "manual__canary", 1
        log_url = "http://127.0.0.1:8080/dags/newslake_canary_daily/runs/manual__canary/tasks/validate"

    class Dag:
        dag_id = "newslake_canary_daily"

    return {"dag": Dag(), "ti": TaskInstance(), "run_id": "manual__canary", "logical_date": dt.datetime(2026, 11, 24, 2, tzinfo=dt.UTC),
            "exception": RuntimeError("validation failed")}


@pytest.mark.parametrize("answer", ["ok", "server-error", "redirect", "unreachable"])
def test_a_webhook_notification_never_logs_its_url(start_local_server, monkeypatch, caplog, answer):
    """Bug found here: a webhook answering an error or a redirect was logged with its URL (httpx's
    raise_for_status() message, quoted by the warning) — for Slack-style webhooks the URL is the
    credential. (httpx's own "HTTP Request: POST <url>" INFO line is off under Airflow's logging
    configuration, which sets the httpx logger to WARNING; caplog at DEBUG would show it.)"""
    from newslake.orchestration import notify_failure

    status = {"ok": 204, "server-error": 500, "redirect": 302}.get(answer, 204)
    hook = start_local_server(lambda request, http: Response(status, b"", headers={"Location": "/elsewhere"} if status == 302 else {}))
    url = hook.url(f"/services/T000/B000/{CANARY_WEBHOOK_TOKEN}?secret={CANARY_URL_TOKEN}")
    if answer == "unreachable":
        hook.close()
    monkeypatch.setenv("NEWSLAKE_NOTIFY_CONN_ID", "newslake_canary_notify")
    monkeypatch.setenv("AIRFLOW_CONN_NEWSLAKE_CANARY_NOTIFY", json.dumps({"conn_type": "http", "host": url}))
    with caplog.at_level(logging.DEBUG):
        notify_failure(failure_context())
    logged = "\n".join(f"{record.name}: {record.getMessage()}" for record in caplog.records)
    assert "newslake failure: task validate of DAG newslake_canary_daily failed" in logged  # the log line itself
    if answer == "ok":
        assert [r.method for r in hook.requests] == ["POST"] and "failure notification sent" in logged
    else:
        assert "could not send the failure notification" in logged, logged
        if answer != "unreachable":
            assert str(status) in logged
    assert canaries_in(logged) == [], logged


@pytest.mark.parametrize("reachable", [True, False], ids=["delivered", "unreachable"])
def test_an_email_notification_never_logs_the_smtp_password(monkeypatch, caplog, reachable):
    from localsmtp import LocalSmtpServer
    from newslake.orchestration import notification_channel, notify_failure

    with LocalSmtpServer() as smtp:
        port = smtp.port if reachable else free_port()
        monkeypatch.setenv("NEWSLAKE_NOTIFY_CONN_ID", "newslake_canary_notify")
        monkeypatch.setenv("AIRFLOW_CONN_NEWSLAKE_CANARY_NOTIFY", json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": port, "login": "alerts", "password": CANARY_SMTP_PASSWORD,
            "extra": {"to": "oncall@example.org"},
        }))
        assert CANARY_SMTP_PASSWORD not in repr(notification_channel())
        with caplog.at_level(logging.DEBUG):
            notify_failure(failure_context())
        received = list(smtp.messages)
    logged = "\n".join(f"{record.name}: {record.getMessage()}" for record in caplog.records)
    if reachable:
        assert [mail.auth for mail in received] == [("alerts", CANARY_SMTP_PASSWORD)]  # the password was used...
        assert canaries_in(received[0].message.as_string()) == []  # ...and is not in the mail
    else:
        assert received == [] and "could not send the failure notification" in logged
    assert canaries_in(logged) == [], logged


# -- secrets: a whole DAG run on S3 -----------------------------------------------------------------------

def test_the_scan_finds_canaries_where_they_hide(tmp_path):
    """The scanner of the DAG-run test below, on planted canaries: in a zstd Parquet column, a
    gzip member (where the raw bytes do not show it) and a JSON file."""
    import pyarrow as pa

    storage = Storage(str(tmp_path / "lake"))
    table = pa.table({"text": [f"before {CANARY_SECRET_KEY} after " * 20]})
    storage.write_bytes("articles/x.parquet", lake.table_to_parquet_bytes(table))
    packed = gzip.compress(f"WARC/1.0\r\nAuthorization: {CANARY_ACCESS_KEY}\r\n".encode())
    assert canaries_in(packed) == []
    storage.write_bytes("raw/x.warc.gz", packed)
    lake.write_json(storage, "raw/x.json", {"url": f"https://x.example/?q={CANARY_URL_TOKEN}"})
    found = {key: canaries_in(readable(key, storage.read_bytes(key))) for key in storage.list("")}
    assert found == {"articles/x.parquet": [CANARY_SECRET_KEY], "raw/x.warc.gz": [CANARY_ACCESS_KEY], "raw/x.json": [CANARY_URL_TOKEN]}


def metadata_db_rows(db_path: Path):
    """(table, row) for every row of every table of the SQLite metadata DB, read-only."""
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                yield table, row
    finally:
        connection.close()


def cell_bytes(value) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        try:  # Airflow may store zlib-compressed blobs (serialized DAGs)
            return value + zlib.decompress(value)
        except zlib.error:
            return value
    return str(value).encode("utf-8", "replace")


@pytest.mark.e2e
def test_a_dag_run_on_s3_leaves_no_credential_in_logs_metadata_xcom_lake_or_data_docs(airflow_db, moto_s3, tmp_path, monkeypatch, capfd):
    from airflow.configuration import conf

    from newslake.orchestration import load_dagbag, logical_date_for, run_once, s3_options_from_connection, storage_from_settings
    from newsserver import two_article_site, use_one_source

    site = two_article_site()
    try:
        use_one_source(tmp_path, monkeypatch, source_id="canary-daily", name="Canary Daily", feed_url=site.url("/feed.xml"))
        prefix = "security-canary-lake"
        monkeypatch.setenv("NEWSLAKE_LAKE_URI", f"s3://{moto_s3['bucket']}/{prefix}")
        monkeypatch.setenv("NEWSLAKE_AWS_CONN_ID", "newslake_canary_s3")
        monkeypatch.setenv("AIRFLOW_CONN_NEWSLAKE_CANARY_S3", json.dumps({
            "conn_type": "aws", "login": CANARY_ACCESS_KEY, "password": CANARY_SECRET_KEY,
            "extra": {"endpoint_url": moto_s3["endpoint"], "region_name": "us-east-1"},
        }))
        # The tasks' S3 credentials are the canaries (moto accepts any key).
        options = s3_options_from_connection("newslake_canary_s3")
        assert (options.access_key, options.secret_key) == (CANARY_ACCESS_KEY, CANARY_SECRET_KEY)

        [source] = load_sources()
        # dag.test() runs the tasks in this process and sends their logs to the logging system
        # (no per-task files): every record is kept, as the configured levels let it through.
        records = io.StringIO()
        handler = logging.StreamHandler(records)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        logging.getLogger().addHandler(handler)
        started = time.time()
        try:
            result = run_once(load_dagbag().dags[source.dag_id], DAY, logical_date_for(source, DAY))
        finally:
            logging.getLogger().removeHandler(handler)
        assert result.state == "success"
    finally:
        site.close()
    console = capfd.readouterr()

    # 1. Logs: the run's log records (with tracebacks), the console, and any file written under the logs folder.
    task_logs = records.getvalue()
    for step in ("discover", "fetch", "extract", "validate", "publish"):
        assert f"task_id={step}" in task_logs, step
    assert "published 2 articles to s3://" in task_logs  # the scan reads the tasks' own INFO lines
    assert canaries_in(task_logs) == [], [line for line in task_logs.splitlines() if canaries_in(line)][:5]
    assert canaries_in(console.out + console.err) == []
    log_root = Path(conf.get("logging", "base_log_folder"))
    for path in [path for path in log_root.rglob("*") if path.is_file() and path.stat().st_mtime >= started - 1]:
        assert canaries_in(path.read_bytes()) == [], path

    # 2. The metadata DB, every table (xcom, task_instance, dag_run, log, rendered fields...).
    db_url = conf.get("database", "sql_alchemy_conn")
    assert db_url.startswith("sqlite:///")
    db_path = Path(db_url.removeprefix("sqlite:///"))
    xcoms = 0
    for table, row in metadata_db_rows(db_path):
        data = b"\x00".join(cell_bytes(value) for value in row)
        assert canaries_in(data) == [], (table, row)
        if table == "xcom" and source.dag_id.encode() in data:
            xcoms += 1
    assert xcoms >= 5  # every step's summary went through XCom

    # 3. The lake: every object, decoded.
    client = moto_s3["client"]
    keys = [item["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=moto_s3["bucket"], Prefix=f"{prefix}/")
            for item in page.get("Contents", [])]
    names = {key.removeprefix(f"{prefix}/") for key in keys}
    assert {lake.articles_key(DAY, source.id), lake.raw_key(DAY, source.id), lake.fetch_log_key(DAY, source.id),
            lake.run_metrics_key(DAY, source.id), datadocs.INDEX_KEY, datadocs.day_index_key(DAY)} <= names
    titles = b""
    for key in keys:
        data = readable(key, client.get_object(Bucket=moto_s3["bucket"], Key=key)["Body"].read())
        assert canaries_in(data) == [], key
        assert canaries_in(key) == [], key
        titles += data if key.endswith(lake.articles_key(DAY, source.id)) else b""
    assert b"Council meets" in titles and b"Port opens" in titles  # the decoded articles were scanned

    # 4. The Data Docs as `make docs` renders them (copied from S3 to a local folder).
    storage = storage_from_settings(Settings.load())
    folder = datadocs.local_docs_folder(storage, tmp_path / "docs")
    pages = [path for path in folder.rglob("*") if path.is_file()]
    assert any(path.name == "articles.html" for path in pages) and source.id in (folder / f"dt={DAY}" / "index.html").read_text()
    for path in pages:
        assert canaries_in(path.read_bytes()) == [], path
    # What a person sees of the lake in the health page and the report never names a credential either.
    assert canaries_in(repr(storage) + repr(storage._s3) + storage.url()) == []


# -- the Airflow UI: loopback only, authentication on ----------------------------------------------------

def listening_addresses(services) -> dict[str, set[tuple[str, int]]]:
    """Listening TCP sockets and unconnected bound UDP sockets of every process of each service
    (the process group and any descendant), by service name."""
    import psutil

    from newslake.airflow_services import group_members

    found: dict[str, set[tuple[str, int]]] = {}
    for name, process in services.processes.items():
        pids = set(group_members(process.pid))
        try:
            pids |= {child.pid for child in psutil.Process(process.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            pass
        for pid in pids:
            try:
                connections = psutil.Process(pid).net_connections(kind="inet")
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            for connection in connections:
                udp_bound = connection.type == socket.SOCK_DGRAM and not connection.raddr
                if connection.status == psutil.CONN_LISTEN or udp_bound:
                    found.setdefault(name, set()).add((connection.laddr.ip, connection.laddr.port))
    return found


@pytest.mark.airflow_services
def test_airflow_services_listen_on_loopback_only_and_require_login(tmp_path):
    import httpx

    from newslake.airflow_services import AirflowServices

    storage = tiny_health_lake(tmp_path)
    with AirflowServices(tmp_path / "airflow", free_port(), settings_file=None, env={"NEWSLAKE_LAKE_URI": storage.url()}) as services:
        assert services.env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False").lower() != "true"
        base = services.url

        # Unauthenticated, or with a forged token: refused by the REST API, the Execution API
        # (tasks' API: connections, variables) and the lake health plugin alike.
        refused = ["/api/v2/dags", "/api/v2/connections", "/api/v2/variables", "/api/v2/config", "/api/v2/pools",
                   "/api/v2/dags/newslake_atlas_gazette/dagRuns", "/execution/connections/newslake_s3", "/execution/variables/newslake_lake_uri",
                   "/newslake/", "/newslake/api/grid", "/newslake/api/lake", "/newslake/docs/index.html"]
        for path in refused:
            assert httpx.get(base + path, timeout=30).status_code in (401, 403), path
            assert httpx.get(base + path, headers={"Authorization": "Bearer forged.token.value"}, timeout=30).status_code in (401, 403), path
        assert httpx.post(base + "/api/v2/backfills", json={}, timeout=30).status_code in (401, 403)
        assert httpx.post(base + "/auth/token", json={"username": "admin", "password": "not-the-password"}, timeout=30).status_code in (401, 403)

        # Logged in: the same REST and plugin routes answer.
        authorised = {"Authorization": f"Bearer {services.token()}"}
        for path in ("/api/v2/dags", "/api/v2/connections", "/api/v2/variables", "/newslake/api/grid"):
            assert httpx.get(base + path, headers=authorised, timeout=60).status_code == 200, path
        assert httpx.get(base + "/newslake/api/lake", headers=authorised, timeout=60).json()["uri"] == storage.url()
        assert f"dt={DAY}/index.html".encode() in httpx.get(base + "/newslake/docs/index.html", headers=authorised, timeout=60).content
        assert b"atlas-gazette" in httpx.get(base + f"/newslake/docs/dt={DAY}/index.html", headers=authorised, timeout=60).content
        # ...and a logged-in user still cannot walk out of the Data Docs through the real server.
        for path in TRAVERSAL_DOCS_PATHS:
            target = "/newslake/docs/" + path.replace("\u2024", "%E2%80%A4").replace("\\", "%5C")
            status, body = raw_get(services.port, target, authorised)
            assert status in (400, 404), (target, status)
            assert OUTSIDE_SECRET.encode() not in body and LAKE_PRIVATE.encode() not in body, target

        # Only loopback sockets, sampled a few times while the services settle (workers start late).
        addresses: dict[str, set[tuple[str, int]]] = {}
        for _ in range(3):
            for name, found in listening_addresses(services).items():
                addresses.setdefault(name, set()).update(found)
            time.sleep(1)
    print(f"listening sockets by service: {addresses}")
    assert ("127.0.0.1", services.port) in addresses.get("api-server", set()), addresses
    assert {ip for found in addresses.values() for ip, _ in found} == {"127.0.0.1"}, addresses


# -- dependencies: pip-audit ---------------------------------------------------------------------------

AUDIT_SCRIPT = REPO / "tools" / "audit_dependencies.py"
SUMMARY = re.compile(r"^dependency audit: .+\(report only, never fails the build\)$", re.MULTILINE)


def run_audit(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(AUDIT_SCRIPT), *arguments], capture_output=True, text=True, timeout=timeout, cwd=REPO)


def test_dependency_audit_runs_pip_audit_and_never_fails(tmp_path):
    """The real pip-audit on a one-line requirements file. Offline (this machine cannot reach
    PyPI's JSON API) pip-audit skips the package yet says "No known vulnerabilities found": the
    summary must say it could not be audited instead."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("six==1.16.0\n")
    completed = run_audit("-r", str(requirements), "--timeout", "90")
    assert completed.returncode == 0, completed.stderr
    [summary] = SUMMARY.findall(completed.stdout)
    assert "requirements.txt" in completed.stdout
    assert re.match(r"dependency audit: (no known vulnerabilities|could not be audited|1 vulnerable package)", summary), summary
    if "could not be audited" in summary:
        assert "skipped" in completed.stdout or "pip-audit exited" in completed.stdout


def fake_pip_audit(tmp_path: Path, body: str) -> Path:
    """An executable standing in for pip-audit (its JSON report format), to reach the outcomes an
    offline machine never sees."""
    path = tmp_path / "pip-audit"
    path.write_text(f"#!{sys.executable}\nimport json, sys, time\n{body}\n")
    path.chmod(0o755)
    return path


def test_dependency_audit_lists_vulnerable_packages_and_exits_zero(tmp_path):
    report = {"dependencies": [
        {"name": "jinja2", "version": "2.10", "vulns": [{"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"], "aliases": ["CVE-2019-10906"]}]},
        {"name": "six", "version": "1.16.0", "vulns": []},
        {"name": "private-pkg", "skip_reason": "Dependency not found on PyPI and could not be audited: private-pkg (1.0)"},
    ], "fixes": []}
    tool = fake_pip_audit(tmp_path, f"print(json.dumps({report!r})); sys.exit(1)")
    completed = run_audit("-r", str(tmp_path / "r.txt"), "--pip-audit", str(tool))
    assert completed.returncode == 0
    assert "jinja2==2.10: PYSEC-2019-217 (CVE-2019-10906), fixed in: 2.10.1" in completed.stdout
    assert "1 package(s) could not be audited" in completed.stdout
    [summary] = SUMMARY.findall(completed.stdout)
    assert summary.startswith("dependency audit: 1 vulnerable package(s): jinja2==2.10; incomplete: r.txt")


def test_dependency_audit_survives_a_hanging_or_missing_pip_audit(tmp_path):
    tool = fake_pip_audit(tmp_path, "time.sleep(60)")
    started = time.monotonic()
    completed = run_audit("-r", "requirements.txt", "--pip-audit", str(tool), "--timeout", "1")
    assert completed.returncode == 0 and time.monotonic() - started < 30
    assert "could not be audited: pip-audit did not finish within 1 s" in completed.stdout
    completed = run_audit("--pip-audit", str(tmp_path / "nowhere"))
    assert completed.returncode == 0 and "pip-audit not found" in completed.stdout and SUMMARY.search(completed.stdout)


# -- the repository itself -----------------------------------------------------------------------------

SKIPPED_DIRS = {".git", ".venv", "venv", ".airflow", "lake", "test-output", ".data_docs", ".pytest_cache", ".ruff_cache", "__pycache__",
                "node_modules", ".hypothesis", ".mypy_cache"}
KEY_PATTERNS = {
    "aws-access-key-id": re.compile(rb"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"),
    "private-key": re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----"),
    "password-in-url": re.compile(rb"\b[a-z][a-z0-9+.-]*://[^\s:/@'\"<>(){}\[\]]+:[^\s/@'\"<>(){}\[\]]+@"),
    "aws-secret-assignment": re.compile(rb"(?i)aws_secret_access_key['\"]?\s*[:=]\s*['\"]?[A-Za-z0-9/+]{40}\b"),
    "github-token": re.compile(rb"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    "slack-token": re.compile(rb"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "slack-webhook": re.compile(rb"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{8,}"),
}
# Known dummies, each with where it is and why it is harmless. A new match fails the test: make it
# a dummy of this list, or (a real credential) remove it from the repository and rotate it.
ALLOWED_MATCHES = {
    CANARY_ACCESS_KEY.encode(): "this file's canary access key",
    b"postgresql+psycopg2://user:pass@": "Makefile / CLI help: the --db-url form, placeholder credentials",
    b"postgresql+psycopg2://airflow:s3cret@": "tests/test_backfill_rest.py: the redaction of a DB URL",
    b"postgresql+psycopg2://u:p@": "tests/test_backfill_rest.py: argument parsing",
    b"postgresql+psycopg2://airflow:***@": "tests/test_backfill_rest.py: the redacted form",
    b"postgresql+psycopg2://airflow:PASSWORD@": "README.md: placeholder",
    b"postgresql+psycopg2://USER:PASSWORD@": "README.md: placeholder",
    b"http://user:secret@": "tests/test_robots.py: credentials are no part of a robots.txt origin",
}


def repository_text_files():
    """Every file of the working tree that git would see (tracked or not, minus the ignored
    folders), skipping binaries. (No git command: someone else commits.)"""
    for directory, subdirectories, files in os.walk(REPO):
        subdirectories[:] = [d for d in subdirectories if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
        for name in files:
            path = Path(directory) / name
            if path.suffix in {".png", ".jpg", ".gz", ".parquet", ".pyc", ".db", ".sqlite"} or name == "airflow_settings.local.yaml":
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if len(data) <= 5_000_000 and b"\x00" not in data[:8192]:
                yield path, data


def test_the_repository_holds_no_credentials_beyond_known_dummies():
    findings, allowed = [], set()
    scanned = 0
    for path, data in repository_text_files():
        scanned += 1
        for kind, pattern in KEY_PATTERNS.items():
            for match in pattern.finditer(data):
                value = match.group(0)
                if value in ALLOWED_MATCHES or any(placeholder in value for placeholder in (b"${", b"<", b"$(", b"%s")):
                    allowed.add(value)
                    continue
                findings.append(f"{path.relative_to(REPO)}: {kind}: {value[:60]!r}")
    assert scanned > 100
    assert findings == []
    # The scan did reach the tests: it saw this file's canary (allowlisted).
    assert CANARY_ACCESS_KEY.encode() in allowed
    # The committed settings file holds no connection at all; the example's values are dummies.
    settings = (REPO / "airflow_settings.yaml").read_text()
    assert re.search(r"^\s+conn_password:", settings, re.MULTILINE) is None
    example = (REPO / "airflow_settings.local.example.yaml").read_text()
    assert re.findall(r"conn_password:\s*(\S+)", example) == ["example-secret-access-key"]
