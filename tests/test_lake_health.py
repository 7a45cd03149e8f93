"""The lake health page (newslake.health, plugins/newslake_lake_health.py).

API tests run the plain FastAPI app (TestClient) on a real sample lake: the sample site's
partitions landed by the pipeline functions, plus crafted quarantined / failed / missing
partitions and a history without summaries (tests/healthlake.py). The browser test starts the
real api-server (and the other services) with the project's plugins folder, checks that the page
and its JSON refuse unauthenticated requests, logs in, and opens the page from Airflow's menu in
headless Chromium; it saves test-output/lake-health.png.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from conftest import REPO, TEST_OUTPUT, free_port
from healthlake import CRAFTED_DAY, DROP_DAY, FAILED_SOURCE, HISTORY_DAYS, QUARANTINED_SOURCE, build_sample_lake, write_metrics
from newslake import health, lake

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def sample_lake(sample_site, tmp_path_factory):
    lake_dir = tmp_path_factory.mktemp("health") / "lake"
    storage, sources = build_sample_lake(str(lake_dir))
    return storage, sources


@pytest.fixture
def client(sample_lake):
    from fastapi.testclient import TestClient

    storage, sources = sample_lake
    health._CACHE.clear()
    app = health.create_app(lambda: health.HealthReader(storage, {s.id: s.volume for s in sources}), sources=lambda: [s.id for s in sources])
    return TestClient(app)


def test_grid_shows_every_source_and_day_with_its_outcome(client, sample_lake):
    from newslake.sample_site import SAMPLE_DATES

    storage, sources = sample_lake
    grid = client.get("/api/grid", params={"days": 14}).json()
    assert grid["days"][-1] == CRAFTED_DAY.isoformat() and len(grid["days"]) == 14
    assert grid["sources"] == [s.id for s in sources]
    cells = {(c["source"], c["dt"]): c for c in grid["cells"]}
    metrics = {row["source"]: row for row in health.HealthReader(storage).days()[SAMPLE_DATES[0]].rows.values()}
    for source in sources:
        for day in SAMPLE_DATES:
            cell = cells[(source.id, day.isoformat())]
            assert cell["status"] == "published" and cell["validation_status"] in ("passed", "warned")
            assert cell["docs"] == f"docs/dt={day}/source={source.id}/articles.html"
        assert cells[(source.id, SAMPLE_DATES[0].isoformat())]["landed"] == metrics[source.id]["landed"]
    assert cells[(QUARANTINED_SOURCE, CRAFTED_DAY.isoformat())]["status"] == "quarantined"
    assert cells[(QUARANTINED_SOURCE, CRAFTED_DAY.isoformat())]["quarantined"] == 2
    assert cells[(FAILED_SOURCE, CRAFTED_DAY.isoformat())]["status"] == "failed"
    assert ("diario-del-estrecho", CRAFTED_DAY.isoformat()) not in cells  # missing: not sent, implied
    assert grid["counts"]["missing"] == 14 * len(sources) - len(grid["cells"])
    assert grid["counts"]["quarantined"] == 1 and grid["counts"]["failed"] == 1
    # The crafted history has run_metrics but no summaries: read from run_metrics, same answer.
    assert set(grid["days_from_run_metrics"]) == {d.isoformat() for d in HISTORY_DAYS if d.isoformat() in grid["days"]}


def test_summaries_written_by_the_pipeline_and_refreshed_when_behind(sample_lake, tmp_path):
    from newslake.sample_site import SAMPLE_DATES
    from newslake.storage import Storage

    storage, _ = sample_lake
    # The pipeline wrote one summary per sample day, holding every source's row.
    for day in SAMPLE_DATES:
        rows = lake.read_parquet(storage, lake.lake_health_key(day)).to_pylist()
        assert len(rows) == 5
    # On a copy: history days have none until refreshed; a summary missing a source (two runs
    # that raced) or older than a run_metrics file is not trusted.
    copy = Storage(str(tmp_path / "lake"))
    shutil.copytree(storage.path(""), copy.path(""))
    reader = health.HealthReader(copy, cache=health._FileCache(), listing_ttl=0)
    assert reader.stale_days() == HISTORY_DAYS
    assert health.refresh_summaries(copy) == HISTORY_DAYS and reader.stale_days() == []
    before = reader.days()
    assert all(rows.from_summary for rows in before.values())
    day = SAMPLE_DATES[1]

    summary = lake.read_parquet(copy, lake.lake_health_key(day))
    copy.write_bytes(lake.lake_health_key(day), lake.table_to_parquet_bytes(summary.slice(0, 4).cast(lake.lake_health_schema())))
    assert reader.stale_days() == [day]
    after = reader.days()
    assert not after[day].from_summary and after[day].rows.keys() == before[day].rows.keys()
    time.sleep(0.05)
    from healthlake import metrics_row

    write_metrics(copy, day, "atlas-gazette", metrics_row(landed=99))
    health.write_day_summary(copy, day)
    assert reader.stale_days() == [] and reader.days()[day].rows["atlas-gazette"]["landed"] == 99


def test_a_dry_runs_staging_is_no_failure_and_a_later_runs_is(tmp_path):
    """A dry run leaves discover's staging and, last, its marker (the skipped fetch writes it):
    the day keeps its outcome. Marker and staging in the same second (S3's mtimes) still count
    as a dry run; a file newer than the marker is a later run's, which crashed or is running."""
    from healthlake import metrics_row
    from newslake.storage import Storage

    storage = Storage(str(tmp_path / "lake"))
    day, source = dt.date(2026, 11, 24), "tiny-daily"
    verdict = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
    write_metrics(storage, day, source, metrics_row(landed=4, finished_at=verdict))
    health.write_day_summary(storage, day)
    prefix = lake.staging_prefix(day, source)

    def stage(name: str, at: dt.datetime) -> None:
        storage.write_bytes(f"{prefix}/{name}", b"{}")
        os.utime(storage.path(f"{prefix}/{name}"), (at.timestamp(), at.timestamp()))

    def cell() -> dict:
        reader = health.HealthReader(storage, cache=health._FileCache(), listing_ttl=0)
        [found] = reader.grid(days=1, end=day)["cells"]
        assert reader.day(day)["partitions"] == [found]
        return found

    dry_run = verdict + dt.timedelta(hours=5)
    stage("discovered.json", dry_run)
    assert cell()["status"] == "failed"  # no marker (yet): a run after the verdict
    stage("metrics.json", dry_run)
    stage(lake.DRY_RUN_MARKER, dry_run)  # the same second
    assert (cell()["status"], cell()["landed"], cell()["dry_run_at"]) == ("published", 4, dry_run.isoformat(timespec="seconds"))
    assert health.HealthReader(storage, cache=health._FileCache(), listing_ttl=0).grid(days=1, end=day)["counts"]["failed"] == 0
    stage("discovered.json", dry_run + dt.timedelta(seconds=1))  # a later run's discover
    found = cell()
    assert (found["status"], found["previous_status"]) == ("failed", "published") and "dry_run_at" not in found
    # A dry run of a day without any run: missing, as before it.
    prefix = lake.staging_prefix(day - dt.timedelta(days=1), source)
    stage("discovered.json", dry_run)
    stage(lake.DRY_RUN_MARKER, dry_run)
    counts = health.HealthReader(storage, cache=health._FileCache(), listing_ttl=0).grid(days=2, end=day, sources=[source])["counts"]
    assert (counts["missing"], counts["failed"]) == (1, 1)  # the day before; the later run's crash on the day


def test_two_sources_finishing_a_day_at_once_both_land_in_its_summary(tmp_path):
    """The first source lists the day's run_metrics; the second then writes its row and the
    summary; the first writes the summary last, from its older listing. It lists again after
    writing and rewrites the summary with both rows (before, the second's row was missing, and
    the health page read that day from run_metrics until something rewrote it)."""
    from healthlake import metrics_row
    from newslake.storage import Storage

    day = dt.date(2026, 11, 20)
    storage = Storage(str(tmp_path / "lake"))

    class SecondFinishesMeanwhile(Storage):
        interleaved = False

        def list_with_mtime(self, prefix):
            files = super().list_with_mtime(prefix)
            if prefix.startswith("run_metrics/") and not self.interleaved:
                self.interleaved = True
                write_metrics(storage, day, "second-daily", metrics_row(landed=7))
                health.write_day_summary(storage, day)
            return files

    racing = SecondFinishesMeanwhile(str(tmp_path / "lake"))
    write_metrics(racing, day, "first-daily", metrics_row(landed=3))
    health.write_day_summary(racing, day)
    assert racing.interleaved
    rows = lake.read_parquet(storage, lake.lake_health_key(day)).to_pylist()
    assert {row["source"]: row["landed"] for row in rows} == {"first-daily": 3, "second-daily": 7}
    assert health.HealthReader(storage, cache=health._FileCache(), listing_ttl=0).stale_days() == []


def test_trend_against_the_volume_band(client, sample_lake):
    _, sources = sample_lake
    config = next(s for s in sources if s.id == QUARANTINED_SOURCE).volume
    trend = client.get("/api/trend", params={"source": QUARANTINED_SOURCE, "days": 30}).json()
    assert (trend["drop_factor"], trend["spike_factor"]) == (config.drop_factor, config.spike_factor)
    points = {p["dt"]: p for p in trend["points"]}
    assert set(points) == {d.isoformat() for d in HISTORY_DAYS} | {"2026-11-23", "2026-11-24", "2026-11-25", CRAFTED_DAY.isoformat()}
    drop = points[DROP_DAY.isoformat()]
    assert drop["count"] == 1 and drop["volume_status"] == "drop"
    assert drop["low"] == pytest.approx(5.0 * config.drop_factor) and drop["high"] == pytest.approx(5.0 * config.spike_factor)
    assert points[HISTORY_DAYS[0].isoformat()]["median"] is None and points[HISTORY_DAYS[0].isoformat()]["low"] is None
    assert points[CRAFTED_DAY.isoformat()]["count"] == 2 and points[CRAFTED_DAY.isoformat()]["landed"] == 0  # quarantined count too


def test_trend_of_an_unknown_source_is_a_404_naming_the_known_ones(client, sample_lake, tmp_path):
    """It answered 200 with no points and an end of today, as for a source with no runs."""
    from healthlake import metrics_row
    from newslake.storage import Storage

    _, sources = sample_lake
    answer = client.get("/api/trend", params={"source": "nope"})
    assert answer.status_code == 404
    detail = answer.json()["detail"]
    assert "unknown source 'nope'" in detail and all(repr(s.id) in detail for s in sources), detail
    # Known: a source in the sources file with no run yet (an empty trend), or one only the lake has.
    storage = Storage(str(tmp_path / "lake"))
    write_metrics(storage, HISTORY_DAYS[0], "retired-daily", metrics_row(landed=3))
    app = health.create_app(lambda: health.HealthReader(storage, cache=health._FileCache(), listing_ttl=0), sources=lambda: ["new-daily"])
    from fastapi.testclient import TestClient

    other = TestClient(app)
    assert other.get("/api/trend", params={"source": "new-daily"}).json()["points"] == []
    assert [p["landed"] for p in other.get("/api/trend", params={"source": "retired-daily"}).json()["points"]] == [3]
    answer = other.get("/api/trend", params={"source": "nope"})
    assert answer.status_code == 404 and "known: ['new-daily', 'retired-daily']" in answer.json()["detail"]


def test_day_languages_stories_and_validation(client, sample_lake):
    from newslake.queries import LakeReader
    from newslake.sample_site import SAMPLE_DATES

    storage, sources = sample_lake
    day = SAMPLE_DATES[1]
    answer = client.get("/api/day", params={"dt": day.isoformat()}).json()
    articles = [r for r in LakeReader(storage).table("articles").to_pylist() if r["dt"] == day]
    assert answer["articles"] == len(articles)
    expected_languages = {}
    for row in articles:
        expected_languages[row["language"]] = expected_languages.get(row["language"], 0) + 1
    assert {entry["language"]: entry["articles"] for entry in answer["languages"]} == expected_languages
    assert {"fr", "en", "es", "ar"} <= set(expected_languages)
    assert [p["source"] for p in answer["partitions"]] == sorted(s.id for s in sources)
    assert all(p["status"] == "published" for p in answer["partitions"])
    clusters = [r for r in LakeReader(storage).table("story_clusters").to_pylist() if r["dt"] == day]
    assert answer["story_count"] == len({r["cluster_id"] for r in clusters}) and answer["clustered_articles"] == len(clusters)
    top = answer["stories"][0]
    assert top["copies"] >= 2 and top["title"] and len(top["sources"]) >= 1
    titles = {r["article_id"]: r["title"] for r in LakeReader(storage).table("articles").to_pylist()}
    assert top["title"] == titles[top["cluster_id"]]

    crafted = client.get("/api/day", params={"dt": CRAFTED_DAY.isoformat()}).json()
    assert {p["source"]: p["status"] for p in crafted["partitions"]} == {QUARANTINED_SOURCE: "quarantined", FAILED_SOURCE: "failed"}
    assert crafted["languages"] == [] and crafted["stories"] == []
    assert client.get("/api/day", params={"dt": "2026-13-01"}).status_code == 422


def test_data_docs_are_served_from_the_lake_and_nothing_else(client, sample_lake):
    storage, _ = sample_lake
    page = client.get(f"/docs/dt={CRAFTED_DAY}/source={QUARANTINED_SOURCE}/articles.html")
    assert page.status_code == 200 and "crafted: published_in_day failed" in page.text
    assert page.headers["content-security-policy"].startswith("sandbox")
    assert client.get(f"/docs/dt={CRAFTED_DAY}/source={QUARANTINED_SOURCE}/verdict-failed.json").json()["status"] == "failed"
    assert client.get("/docs/index.html").status_code == 200
    assert "source=atlas-gazette/articles.html" in client.get("/docs/dt=2026-11-23/index.html").text
    assert client.get("/docs/dt=2026-11-23/source=atlas-gazette/articles.html").status_code == 200
    assert client.get("/docs/dt=2020-01-01/source=atlas-gazette/articles.html").status_code == 404
    for path in ["../run_metrics/dt=2026-11-23/source=atlas-gazette/part-0.parquet", "..%2F..%2Fetc%2Fpasswd", "dt=2026-11-23/source=../x.html",
                 "dt=2026-11-23/source=atlas-gazette/../../../lake_stats.html", "/etc/passwd", "%2e%2e/index.html"]:
        assert client.get(f"/docs/{path}").status_code == 404, path
    assert health.docs_key("dt=2026-11-23/source=..%2f/a.html") is None and health.docs_key("index.html") == "data_docs/index.html"
    assert health.docs_key("dt=2026-11-23/index.html") == "data_docs/dt=2026-11-23/index.html"
    assert health.docs_key("dt=2026-11-23/private.html") is None and health.docs_key("dt=2026-11-23/index.json") is None


def test_lake_location_and_size(client, sample_lake):
    storage, _ = sample_lake
    info = client.get("/api/lake").json()
    assert info["uri"] == storage.url() and info["backend"] == "local"
    assert info["size"]["measured"] == "lake_stats" and info["size"]["bytes"] > 0
    assert {"articles", "fetch_log", "raw", "run_metrics"} <= {t["table"] for t in info["size"]["tables"]}


def test_page_is_self_contained_and_escapes_lake_values(client):
    page = client.get("/")
    assert page.status_code == 200 and "<title>News lake</title>" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    lowered = page.text.lower()
    for external in ("http://", "https://", "<link", "@import", "src=\"/", "cdn"):
        assert external not in lowered.replace("http://www.w3.org/2000/svg", ""), external
    assert "innerHTML" not in page.text and "insertAdjacentHTML" not in page.text and "document.write" not in page.text
    assert "prefers-color-scheme: dark" in page.text and 'data-theme="dark"' in page.text
    assert "fetch(url" in page.text and '"api/grid' in page.text  # relative: works under any base_url


def test_a_hostile_title_stays_data(sample_lake, tmp_path):
    """Lake values reach the browser as JSON only (the page sets them with textContent)."""
    import pyarrow as pa
    from fastapi.testclient import TestClient

    from newslake.storage import Storage

    storage = Storage(str(tmp_path / "lake"))
    day = dt.date(2026, 11, 23)
    hostile = '<img src=x onerror="alert(1)">'
    articles = pa.Table.from_pylist([{"article_id": "a1", "title": hostile, "language": "fr"}])
    storage.write_bytes(f"articles/{lake.partition(day, 'evil')}/part-0.parquet", lake.table_to_parquet_bytes(articles))
    clusters = pa.Table.from_pylist([{"article_id": "a1", "source": "evil", "cluster_id": "a1", "cluster_size": 2, "is_canonical_copy": True}],
                                    schema=lake.story_clusters_schema())
    storage.write_bytes(lake.story_clusters_key(day), lake.table_to_parquet_bytes(clusters))
    client = TestClient(health.create_app(lambda: health.HealthReader(storage, cache=health._FileCache())))
    response = client.get("/api/day", params={"dt": day.isoformat()})
    assert response.headers["content-type"] == "application/json"
    assert response.json()["stories"][0]["title"] == hostile


def test_a_bad_setting_is_named_in_the_api_answer():
    """The page shows a failed request's detail: a bad setting is named there, not an anonymous
    500 (whose reason was only in the api-server's log)."""
    from fastapi.testclient import TestClient

    from newslake.config import Settings

    def reader():
        Settings.load(lambda name: "eight" if name == "fetch_concurrency" else None, lookup_origin="Airflow Variable newslake_{name}")

    client = TestClient(health.create_app(reader), raise_server_exceptions=False)
    for path in ("/api/grid", "/api/lake", f"/api/day?dt={CRAFTED_DAY}"):
        answer = client.get(path)
        assert answer.status_code == 500 and answer.headers["content-type"] == "application/json", path
        assert answer.json()["detail"] == ("newslake's settings: setting fetch_concurrency: Airflow Variable "
                                           "newslake_fetch_concurrency = 'eight' is not an integer"), path
    # The page's own getJSON, run by Node.js against this answer: the error it throws (which the
    # page shows) carries the detail; a 500 without JSON still says its status.
    node = shutil.which("node")
    if node is None:
        pytest.skip("the page's script is run with Node.js, which is not installed")
    import json
    import re
    import subprocess

    get_json = re.search(r"\n  function getJSON\(url\) \{\n.*?\n  \}\n", client.get("/").text, re.S).group(0)
    answer = client.get("/api/grid")
    script = get_json + f"""
    function answer(status, text) {{
      return {{ ok: status < 400, status: status, json: function () {{ return Promise.resolve().then(function () {{ return JSON.parse(text); }}); }} }};
    }}
    var answers = [answer({answer.status_code}, {json.dumps(answer.text)}), answer(502, "<html>bad gateway</html>")];
    globalThis.fetch = function () {{ return Promise.resolve(answers.shift()); }};
    getJSON("api/grid?days=14").catch(function (e) {{ console.log(e.message); return getJSON("api/lake"); }})
      .catch(function (e) {{ console.log(e.message); }});
    """
    shown = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
    assert shown == [f"api/grid: HTTP 500: {answer.json()['detail']}", "api/lake: HTTP 502"]


def test_s3_lake_through_the_airflow_connection(moto_s3, sample_lake, monkeypatch):
    """On S3 the page's lake comes from Settings and the aws connection, as for the tasks."""
    from fastapi.testclient import TestClient

    from newslake.config import Settings
    from newslake.orchestration import storage_from_settings

    local, _ = sample_lake
    settings = Settings(lake_uri=f"s3://{moto_s3['bucket']}/health-lake")
    storage = storage_from_settings(settings)  # AIRFLOW_CONN_NEWSLAKE_S3 (conftest's moto_s3)
    for key in local.list("lake_health") + local.list("run_metrics") + local.list("_staging") + local.list("data_docs/dt=2026-11-26"):
        storage.write_bytes(key, local.read_bytes(key))
    client = TestClient(health.create_app(lambda: health.HealthReader(storage, cache=health._FileCache())))
    grid = client.get("/api/grid", params={"days": 4}).json()
    statuses = {(c["source"], c["dt"]): c["status"] for c in grid["cells"]}
    assert statuses[(QUARANTINED_SOURCE, CRAFTED_DAY.isoformat())] == "quarantined" and statuses[(FAILED_SOURCE, CRAFTED_DAY.isoformat())] == "failed"
    assert client.get("/api/lake").json()["uri"] == f"s3://{moto_s3['bucket']}/health-lake"
    assert "testing" not in client.get("/api/lake").text  # never credentials
    assert client.get(f"/docs/dt={CRAFTED_DAY}/source={QUARANTINED_SOURCE}/articles.html").status_code == 200


def test_plugin_file_is_light_to_import():
    """Every Airflow process loads plugins/: the plugin must not import FastAPI's app, the lake
    code or heavy libraries until the api-server serves it."""
    import json
    import subprocess
    import sys

    probe = (
        "import sys, json, runpy\n"
        "import airflow.plugins_manager\n"
        f"module = runpy.run_path({str(REPO / 'plugins' / 'newslake_lake_health.py')!r})\n"
        "plugin = module['NewslakeLakeHealthPlugin']\n"
        "heavy = [m for m in ('polars', 'pyarrow', 'pandas', 'great_expectations', 'boto3', 'newslake.health', 'airflow.api_fastapi.core_api.security') if m in sys.modules]\n"
        "print(json.dumps({'heavy': heavy, 'views': plugin.external_views, 'prefix': plugin.fastapi_apps[0]['url_prefix']}))\n"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ.copy(), timeout=120)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["heavy"] == [] and result["prefix"] == "/newslake"
    assert result["views"][0]["url_route"] == "newslake" and not result["views"][0]["href"].startswith("/")


def test_plugin_refuses_a_bad_setting_instead_of_showing_the_default_lake(airflow_db):
    """In the api-server (where Airflow sets _AIRFLOW_PROCESS_CONTEXT=server, so Variables are
    read from the metadata DB), a Variable a setting cannot take stops the page with the
    Variable's name. Before, any error reading the settings fell back to the environment's,
    and the page silently showed another lake (the default ./lake)."""
    import json
    import subprocess
    import sys

    from airflow.models.variable import Variable

    probe = (
        "import runpy, json\n"
        f"module = runpy.run_path({str(REPO / 'plugins' / 'newslake_lake_health.py')!r})\n"
        "try:\n"
        "    module['_reader_factory']()()\n"
        "    print(json.dumps({'raised': None}))\n"
        "except Exception as exc:\n"
        "    print(json.dumps({'raised': type(exc).__name__, 'message': str(exc)}))\n"
    )
    Variable.set("newslake_fetch_concurrency", "eight")
    try:
        completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                                   env={**os.environ, "_AIRFLOW_PROCESS_CONTEXT": "server"})
    finally:
        Variable.delete("newslake_fetch_concurrency")
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["raised"] == "SettingsError"
    assert "Airflow Variable newslake_fetch_concurrency = 'eight' is not an integer" in result["message"]


# -- the real api-server, and the page in Chromium -------------------------------------------------


def chrome(user_data_dir: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={user_data_dir}",
                 "--window-size=1500,1700"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.mark.airflow_services
def test_page_in_airflow_ui_behind_login_in_chromium(sample_lake, tmp_path):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(f"needs Chromium and its driver ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver")
    pytest.importorskip("selenium", reason="needs selenium (requirements-dev.txt)")
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    from newslake.airflow_services import AirflowServices
    from newslake.sample_site import SAMPLE_DATES

    storage, sources = sample_lake
    home = tmp_path / "airflow"
    with AirflowServices(home, free_port(), settings_file=None, env={"NEWSLAKE_LAKE_URI": storage.url()}) as services:
        base = services.url
        # Unauthenticated (no cookie, no header) or with a forged token: refused.
        for path in ("/newslake/", "/newslake/api/grid", "/newslake/api/lake", f"/newslake/docs/dt={CRAFTED_DAY}/source={QUARANTINED_SOURCE}/articles.html"):
            assert httpx.get(base + path, timeout=30).status_code == 401, path
            assert httpx.get(base + path, cookies={"_token": "forged"}, timeout=30).status_code in (401, 403), path
            assert httpx.get(base + path, headers={"Authorization": "Bearer forged"}, timeout=30).status_code == 403, path
        token = services.token()
        answer = httpx.get(base + "/newslake/api/grid", params={"days": 7}, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert answer.status_code == 200 and answer.json()["sources"] == [s.id for s in sources]
        plugins = httpx.get(base + "/api/v2/plugins", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()["plugins"]
        ours = next(p for p in plugins if p["name"] == "newslake_lake_health")
        assert ours["external_views"][0]["name"] == "News lake"

        profile = tempfile.mkdtemp(prefix="newslake-chromium-")
        driver = chrome(profile)
        try:
            wait = WebDriverWait(driver, 60)
            # Log in through the simple auth manager's own form, as a person does.
            driver.get(base + "/")
            wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "input[name='username'], input#username")))
            driver.find_element(By.CSS_SELECTOR, "input[name='username'], input#username").send_keys("admin")
            driver.find_element(By.CSS_SELECTOR, "input[type='password']").send_keys(services.password())
            driver.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
            wait.until(lambda d: d.get_cookie("_token") is not None)
            # The menu entry, then the page in the UI's frame.
            wait.until(ready.presence_of_element_located((By.XPATH, "//*[contains(normalize-space(.), 'News lake')]")))
            driver.get(base + "/plugin/newslake")
            frame = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "iframe[title='News lake']")))
            driver.switch_to.frame(frame)
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#grid button.cell")) > 0)
            wait.until(lambda d: d.find_elements(By.ID, "lake-uri"))
            rows = [row.get_attribute("data-source") for row in driver.find_elements(By.CSS_SELECTOR, "#grid tbody tr")]
            assert rows == [s.id for s in sources]
            header = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#grid thead th")][1:]
            assert {day.isoformat() for day in SAMPLE_DATES} | {CRAFTED_DAY.isoformat()} <= set(header)
            status = {(b.get_attribute("data-source"), b.get_attribute("data-dt")): b.get_attribute("data-status")
                      for b in driver.find_elements(By.CSS_SELECTOR, "#grid button.cell")}
            assert all(status[(s.id, day.isoformat())] == "published" for s in sources for day in SAMPLE_DATES)
            assert status[(QUARANTINED_SOURCE, CRAFTED_DAY.isoformat())] == "quarantined"
            assert status[(FAILED_SOURCE, CRAFTED_DAY.isoformat())] == "failed"
            assert status[("revue-maghreb", CRAFTED_DAY.isoformat())] == "missing"
            assert driver.find_element(By.ID, "lake-uri").text == storage.url()
            # A sample day: its validation table and languages.
            driver.find_element(By.CSS_SELECTOR, f"#grid button[data-source='{QUARANTINED_SOURCE}'][data-dt='{SAMPLE_DATES[1]}']").click()
            wait.until(lambda d: d.find_element(By.ID, "day-title").text == f"Day {SAMPLE_DATES[1]}"
                       and len(d.find_elements(By.CSS_SELECTOR, "#validation-table tbody tr")) == len(sources)
                       and d.find_elements(By.CSS_SELECTOR, "#stories-list li"))
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#trend svg"))
            assert not driver.find_elements(By.CSS_SELECTOR, ".error")
            driver.switch_to.default_content()
            TEST_OUTPUT.mkdir(exist_ok=True)
            driver.save_screenshot(str(TEST_OUTPUT / "lake-health.png"))
        except Exception:
            TEST_OUTPUT.mkdir(exist_ok=True)
            driver.save_screenshot(str(TEST_OUTPUT / "lake-health-failure.png"))
            raise
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)
