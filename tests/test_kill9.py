"""kill -9 of a real task process in the middle of fetch, extract (the staging writes) or publish,
on a local lake and on S3 (moto server): 20 seeded trials, and two chosen ones.

Each trial starts from a lake where the day is already published (version 1: two articles),
while the site now lists four (version 2), so "previous" and "new" are both real, different
partitions. A separate process (tests/crashchild.py) runs one step and sends itself SIGKILL at a
point drawn with ``random.Random(seed)``: before the n-th storage mutation, inside it (a local
write's temporary file complete but not renamed; a local prefix delete half done), or when the
n-th HTTP response body has arrived. The trial proves:

- the child really died of SIGKILL (returncode -9) at the drawn point (its trace says where);
- readers — polling the published files while the child runs, then afterwards, by direct read
  and through the lake's dataset reader — only ever see the previous partition or the new one,
  byte for byte, for articles and for fetch_log (each file on its own: see below);
- running the step again, and the ones after it, in-process (what Airflow's retry does) converges
  to an undisturbed run's rows: same article ids and content hashes (and every other column but
  the fetch time and WARC offsets, which a re-fetch legitimately changes; after an extract or
  publish kill, nothing is re-fetched and the partition is byte-identical), a fetch_log with one
  row per URL and the same outcomes, and no staging left behind.

Each published *file* is replaced atomically; publish replaces articles before fetch_log, so a
kill between the two leaves the new articles beside the previous fetch_log for the time until
the retry. The trials assert per file and report those trials ("tables out of step").

On S3 a reader polling *during* the replace can read a torn object (pyarrow sends a HEAD for the
size, then a ranged GET): such reads are counted and printed, not failed; any read that parses
must still be one whole version (see PollingReader and the comment where it is checked).

The two chosen trials kill publish halfway through deleting the staging folder (local disks
delete file by file), once the staged fetch log or verdict is gone: a retry must still finish.

Where it runs: the kill points come from a census (one undisturbed in-process run through the same
watched Storage and httpx hook), so every drawn point is reached. Great Expectations runs for
real once for each version; the trials stage the new version's verdict again, after checking that
the staged rows are the ones it judged (the verdict is a function of those rows). The S3 trials
start from the local snapshots, uploaded to a fresh prefix; the child and the retry then work
on S3 alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crashchild import KillPoint, Watch, WatchedStorage, watch_http_bodies
from newslake import lake, pipeline
from newslake.config import Settings, Source
from newslake.queries import LakeReader
from newslake.storage import S3Options, Storage
from newsserver import TinyNewsSite

CHILD = Path(__file__).with_name("crashchild.py")
REPO = CHILD.parents[1]
DAY = dt.date(2026, 11, 24)
SOURCE_ID = "tiny-daily"
FIRST_ARTICLES = ("/a.html", "/b.html")
LATER_ARTICLES = ("/c.html", "/d.html")
# A re-fetch gives a page a new fetch time, and its WARC record (one gzip member with that time
# in its headers) may change length; everything else in a row must come out the same.
FETCH_VOLATILE = ("fetched_at", "raw_offset", "raw_length")

# (seed, step, backend). The step and backend spread the trials; the seed alone draws the point.
TRIALS = [
    *[(seed, "publish", "local") for seed in (1, 2, 3, 4, 5)],
    *[(seed, "publish", "s3") for seed in (6, 7, 8)],
    *[(seed, "fetch", "local") for seed in (9, 10, 11, 12)],
    *[(seed, "fetch", "s3") for seed in (13, 14)],
    *[(seed, "extract", "local") for seed in (15, 16, 17, 18)],
    *[(seed, "extract", "s3") for seed in (19, 20)],
]
# The step killed -> what Airflow's retry runs: that step again, then the rest of the DAG.
RETRY_STEPS = {"fetch": ("fetch", "extract", "validate", "publish"), "extract": ("extract", "validate", "publish"), "publish": ("publish",)}


def tiny_site() -> TinyNewsSite:
    site = TinyNewsSite()
    for index, path in enumerate(FIRST_ARTICLES + LATER_ARTICLES):
        site.article(path, f"Story {index}", f"2026-11-24T{9 + index:02d}:00:00+01:00", topic=f"topic number {index}")
    list_articles(site, FIRST_ARTICLES)
    return site


def list_articles(site: TinyNewsSite, paths) -> None:
    site.rss("/feed.xml", [(path, f"Tue, 24 Nov 2026 {9 + index:02d}:00:00 +0100") for index, path in enumerate(paths)])


def digest(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest()[:12] if data is not None else None


def stable_rows(table) -> list[dict]:
    return sorted(({k: v for k, v in row.items() if k not in FETCH_VOLATILE} for row in table.to_pylist()), key=lambda r: r["article_id"])


def ids_and_hashes(table) -> list[tuple[str, str]]:
    return sorted(zip(table.column("article_id").to_pylist(), table.column("content_sha256").to_pylist(), strict=True))


def fetch_log_outcomes(table) -> dict[tuple[str, str], tuple]:
    rows = table.to_pylist()
    keys = [(row["kind"], row["url"]) for row in rows]
    assert len(keys) == len(set(keys)), "fetch_log has more than one row for a URL"
    return {(row["kind"], row["url"]): (row["outcome"], row["reason"], row["article_id"]) for row in rows}


@dataclasses.dataclass
class World:
    """The site, the snapshots each trial starts from, and what an undisturbed run gives."""

    site: TinyNewsSite
    source: Source
    politeness_dir: str
    snapshots: dict[str, Path]  # lake folders: the state just before each step of the undisturbed run
    census: dict[str, dict]  # step -> {"mutations": [...], "bodies": [...]}
    previous: dict[str, bytes]  # published articles / fetch_log of version 1
    new: dict[str, bytes]  # published articles / fetch_log of version 2 (undisturbed)
    new_staged_articles: bytes
    verdict: bytes  # version 2's validation.json

    def settings(self) -> Settings:
        return Settings(allowed_networks="127.0.0.0/8", politeness_dir=self.politeness_dir)

    def context(self, storage: Storage) -> pipeline.PartitionContext:
        return pipeline.PartitionContext(self.source, DAY, storage, self.settings())


PUBLISHED = {"articles": lake.articles_key(DAY, SOURCE_ID), "fetch_log": lake.fetch_log_key(DAY, SOURCE_ID)}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("kill9")
    site = tiny_site()
    try:
        source = Source(id=SOURCE_ID, name="Tiny Daily", languages=("en",), timezone="Africa/Casablanca",
                        feeds=(f"{site.base_url}/feed.xml",), requests_per_second=50)
        world = World(site, source, str(root / "politeness"), {}, {}, {}, {}, b"", b"")
        lake_dir = root / "undisturbed"
        watch = Watch(KillPoint("none"))
        storage = WatchedStorage(str(lake_dir))
        storage.watch = watch
        ctx = world.context(storage)
        for step in (pipeline.discover, pipeline.fetch, pipeline.extract, pipeline.validate, pipeline.publish):
            step(ctx)
        world.previous = {name: storage.read_bytes(key) for name, key in PUBLISHED.items()}

        list_articles(site, FIRST_ARTICLES + LATER_ARTICLES)  # version 2 of the day
        pipeline.discover(ctx)
        for step in (pipeline.fetch, pipeline.extract, pipeline.validate, pipeline.publish):
            if step.__name__ in RETRY_STEPS:
                world.snapshots[step.__name__] = snapshot(lake_dir, root / f"before-{step.__name__}")
                if step is pipeline.publish:
                    world.new_staged_articles = storage.read_bytes(ctx.staged("articles.parquet"))
                    world.verdict = storage.read_bytes(ctx.staged("validation.json"))
            watch.mutations, watch.bodies = [], []
            with watch_http_bodies(watch):
                step(ctx)
            world.census[step.__name__] = {"mutations": list(watch.mutations), "bodies": list(watch.bodies)}
        world.new = {name: storage.read_bytes(key) for name, key in PUBLISHED.items()}
        assert world.new["articles"] == world.new_staged_articles
        assert len(pq.read_table(io.BytesIO(world.previous["articles"]))) == 2
        assert len(pq.read_table(io.BytesIO(world.new["articles"]))) == 4
        yield world
    finally:
        site.close()


def snapshot(lake_dir: Path, target: Path) -> Path:
    shutil.copytree(lake_dir, target)
    return target


def draw_kill_point(seed: int, step: str, backend: str, census: dict) -> KillPoint:
    """The trial's kill point: ``random.Random(seed)`` picks among the points the census says
    the step reaches."""
    rng = random.Random(seed)
    mutations, bodies = census[step]["mutations"], census[step]["bodies"]
    kind = rng.choice(["mutation", "http-body"] if bodies else ["mutation"])
    if kind == "http-body":
        return KillPoint("http-body", rng.randint(1, len(bodies)))
    n = rng.randint(1, len(mutations))
    mutation = mutations[n - 1]
    # An S3 write is one request: there is no "inside" to stop in (the object appears whole or not).
    can_stop_inside = backend == "local" and (
        mutation["op"] in ("write_bytes", "copy") or (mutation["op"] == "delete_prefix" and mutation["files"] >= 2)
    )
    if can_stop_inside and rng.random() < 0.5:
        unlinks = rng.randint(1, mutation["files"] - 1) if mutation["op"] == "delete_prefix" else 1
        return KillPoint("mutation", n, inside=True, unlinks=unlinks)
    return KillPoint("mutation", n)


class PollingReader(threading.Thread):
    """A reader of the published files while the child runs (its own Storage handle, as another
    process would have): the versions it read whole, and the reads that did not parse."""

    def __init__(self, storage: Storage):
        super().__init__(daemon=True)
        self.storage, self.stop, self.seen, self.reads = storage, threading.Event(), {name: set() for name in PUBLISHED}, 0
        self.torn: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            for name, key in PUBLISHED.items():
                self.reads += 1
                try:
                    data = self.storage.read_bytes(key)
                except FileNotFoundError:
                    data = None  # a gap: never allowed (the day was published before)
                if data is not None:
                    try:
                        pq.read_table(io.BytesIO(data))
                    except Exception as exc:  # a torn read is exactly what this watches for
                        self.torn.append(f"{name}: {exc}")
                        continue
                self.seen[name].add(digest(data))
            self.stop.wait(0.05)


def trial_lake(world: World, step: str, backend: str, label: str, tmp_path: Path, request) -> tuple[str, S3Options | None, dict]:
    """A fresh lake holding the snapshot taken just before ``step``: its URI, S3 options and the child's env."""
    env = dict(os.environ)
    source_dir = world.snapshots[step]
    if backend == "local":
        shutil.copytree(source_dir, tmp_path / "lake")
        return str(tmp_path / "lake"), None, env
    moto = request.getfixturevalue("moto_s3")
    prefix = f"kill9-{label}-{step}"
    for path in sorted(source_dir.rglob("*")):
        if path.is_file():
            moto["client"].put_object(Bucket=moto["bucket"], Key=f"{prefix}/{path.relative_to(source_dir).as_posix()}", Body=path.read_bytes())
    env.update(AWS_ENDPOINT_URL=moto["endpoint"], AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    env.pop("AWS_SESSION_TOKEN", None)
    options = S3Options(endpoint_url=moto["endpoint"], access_key="testing", secret_key="testing", region="us-east-1")
    return f"s3://{moto['bucket']}/{prefix}", options, env


def explain_difference(storage: Storage, name: str, world: World) -> str:
    """For a failure message: how the file a reader sees differs from the new version."""
    if not storage.exists(PUBLISHED[name]):
        return "the file is missing"
    seen, new = lake.read_parquet(storage, PUBLISHED[name]), pq.read_table(io.BytesIO(world.new[name]))
    if seen.schema != new.schema or seen.num_rows != new.num_rows:
        return f"schema/rows differ: {seen.schema} {seen.num_rows} vs {new.schema} {new.num_rows}"
    return "; ".join(f"{c}: {seen[c].to_pylist()} vs {new[c].to_pylist()}" for c in seen.column_names if seen[c] != new[c]) or "same rows"


def read_trace(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def finish_like_a_retry(world: World, storage: Storage, step: str) -> None:
    """Run the killed step again and the ones after it, in this process."""
    ctx = world.context(storage)
    for name in RETRY_STEPS[step]:
        if name != "validate":
            getattr(pipeline, name)(ctx)
            continue
        # Great Expectations judged exactly these rows in the undisturbed run: stage its verdict.
        staged = lake.read_parquet(storage, ctx.staged("articles.parquet"))
        assert stable_rows(staged) == stable_rows(pq.read_table(io.BytesIO(world.new_staged_articles)))
        storage.write_bytes(ctx.staged("validation.json"), world.verdict)


@pytest.mark.parametrize(("seed", "step", "backend"), TRIALS, ids=[f"seed{s}-{step}-{b}" for s, step, b in TRIALS])
def test_kill9_leaves_previous_or_new_and_the_retry_converges(world, seed, step, backend, tmp_path, request):
    run_trial(world, step, backend, draw_kill_point(seed, step, backend, world.census), f"seed{seed}", tmp_path, request)


@pytest.mark.parametrize("deleted_file", ["fetch_log.parquet", "validation.json"])
def test_kill9_halfway_through_the_staging_clean_up_then_retry(world, deleted_file, tmp_path, request):
    """The last act of publish deletes the staging folder, file by file on a local disk. Killed
    when ``deleted_file`` (which a full publish needs) is gone, the retry must still finish — the
    seeded trials may not draw this point, so it is tried on purpose."""
    mutations = world.census["publish"]["mutations"]
    [n] = [i for i, m in enumerate(mutations, 1) if m["op"] == "delete_prefix" and m["key"].startswith("_staging/")]
    run_trial(world, "publish", "local", KillPoint("mutation", n, inside=True, unlinks=deleted_file), deleted_file, tmp_path, request)


def run_trial(world: World, step: str, backend: str, point: KillPoint, label: str, tmp_path: Path, request) -> None:
    uri, s3, env = trial_lake(world, step, backend, label, tmp_path, request)
    storage = Storage(uri, s3=s3)
    trace = tmp_path / "trace.jsonl"
    command = [sys.executable, str(CHILD), "--lake", uri, "--source-json", world.source.model_dump_json(), "--day", DAY.isoformat(),
               "--step", step, "--kill", str(point), "--trace", str(trace), "--politeness-dir", world.politeness_dir]

    reader = PollingReader(Storage(uri, s3=s3))  # its own handle, as another process would have
    reader.start()
    try:
        child = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    finally:
        reader.stop.set()
        reader.join(timeout=10)

    events = read_trace(trace)
    kills = [event for event in events if event["event"] == "kill"]
    not_reached = [event for event in events if event["event"] == "not_reached"]
    assert not not_reached, f"{label}: kill point {point} never reached: {not_reached}"
    assert child.returncode == -9, f"{label}: expected death by SIGKILL, got {child.returncode}\n{child.stderr[-3000:]}"
    assert len(kills) == 1 and kills[0]["point"] == str(point), events[-3:]

    # What readers saw while it ran and see now: the previous or the new partition, whole.
    allowed = {name: {digest(world.previous[name])} | ({digest(world.new[name])} if step == "publish" else set()) for name in PUBLISHED}
    after_kill = {name: digest(storage.read_bytes(key)) if storage.exists(key) else None for name, key in PUBLISHED.items()}
    assert reader.reads > 0
    # On S3 a pyarrow read is a HEAD (the size) then a ranged GET: when the object is replaced in
    # between, the reader gets the first bytes of the new object, cut at the old length. The write
    # is atomic; the window is the reader's. Such reads are counted and reported, not failed — but
    # they must fail to parse (no Parquet footer): a parseable read must be one whole version.
    if backend == "local":
        assert not reader.torn, reader.torn
    for name in PUBLISHED:
        assert reader.seen[name] <= allowed[name], f"{name}: a reader saw {reader.seen[name] - allowed[name]} while the child ran"
        assert after_kill[name] in allowed[name], f"{name} after the kill: {after_kill[name]}\n{explain_difference(storage, name, world)}"
    visible = LakeReader(storage).table("articles")
    assert ids_and_hashes(visible) in (
        ids_and_hashes(pq.read_table(io.BytesIO(world.previous["articles"]))),
        ids_and_hashes(pq.read_table(io.BytesIO(world.new["articles"]))),
    )

    finish_like_a_retry(world, storage, step)
    published = lake.read_parquet(storage, PUBLISHED["articles"])
    undisturbed = pq.read_table(io.BytesIO(world.new["articles"]))
    assert ids_and_hashes(published) == ids_and_hashes(undisturbed)
    assert stable_rows(published) == stable_rows(undisturbed)
    if step != "fetch":  # nothing was re-fetched: the very same bytes
        assert storage.read_bytes(PUBLISHED["articles"]) == world.new["articles"]
    log = lake.read_parquet(storage, PUBLISHED["fetch_log"])
    assert fetch_log_outcomes(log) == fetch_log_outcomes(pq.read_table(io.BytesIO(world.new["fetch_log"])))
    assert sum(1 for kind in log.column("kind").to_pylist() if kind == "article") == len(FIRST_ARTICLES + LATER_ARTICLES)
    assert [key for key in storage.list("_staging") if not key.endswith("/")] == []
    assert LakeReader(storage).table("articles").num_rows == len(FIRST_ARTICLES + LATER_ARTICLES)

    where = {k: v for k, v in kills[0].items() if k not in ("event", "point")}
    out_of_step = after_kill["articles"] == digest(world.new["articles"]) and after_kill["fetch_log"] == digest(world.previous["fetch_log"])
    print(f"\nKILL9 {label} step={step} backend={backend} point={point} where={json.dumps(where, sort_keys=True)} "
          f"after_kill={'new' if after_kill['articles'] == digest(world.new['articles']) else 'previous'}"
          f"{' tables-out-of-step' if out_of_step else ''} reads={reader.reads} torn_reads={len(reader.torn)}")
