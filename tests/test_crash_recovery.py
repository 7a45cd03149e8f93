"""A crash in the middle of publishing (at every storage write of the publish step) leaves
readers a valid partition, and a retry converges to exactly what an undisturbed run gives —
on a local lake and on S3."""

from __future__ import annotations

import datetime as dt

import pytest

from newslake import lake, pipeline
from newslake.config import Settings, Source
from newslake.storage import Storage
from newsserver import two_article_site

DAY = dt.date(2026, 11, 24)
MUTATIONS = ("write_bytes", "copy", "delete_prefix")


class Crash(BaseException):
    """The process dying (kill -9, power loss): not an Exception, so no `except Exception` in the
    code under test can catch it and carry on, just as no code can catch a real kill."""


class CrashingStorage(Storage):
    """A Storage that dies at its n-th write (write, copy or delete) once armed."""

    def arm(self, crash_at: int) -> None:
        self.crash_at, self.writes = crash_at, 0

    def _maybe_crash(self):
        if getattr(self, "crash_at", None) is not None:
            self.writes += 1
            if self.writes == self.crash_at:
                self.crash_at = None
                raise Crash(f"crash at write {self.writes}")


for _name in MUTATIONS:
    def _wrap(name):
        def mutation(self, *args, **kwargs):
            self._maybe_crash()
            return getattr(Storage, name)(self, *args, **kwargs)
        return mutation
    setattr(CrashingStorage, _name, _wrap(_name))


@pytest.fixture(scope="module")
def site():
    tiny = two_article_site()
    yield tiny
    tiny.close()


@pytest.fixture(params=["local", "s3"])
def make_storage(request, tmp_path):
    if request.param == "local":
        return lambda name: CrashingStorage(str(tmp_path / name))
    moto = request.getfixturevalue("moto_s3")
    from newslake.storage import S3Options

    options = S3Options(endpoint_url=moto["endpoint"], access_key="testing", secret_key="testing", region="us-east-1")
    return lambda name: CrashingStorage(f"s3://{moto['bucket']}/{request.node.name}-{name}", s3=options)


def context(site, storage) -> pipeline.PartitionContext:
    source = Source(id="tiny-daily", name="Tiny Daily", languages=("en",), timezone="Africa/Casablanca",
                    feeds=(f"{site.base_url}/feed.xml",), requests_per_second=50)
    return pipeline.PartitionContext(source, DAY, storage, Settings(allowed_networks="127.0.0.0/8"))


def test_crash_at_every_write_of_publish_then_retry_converges(site, make_storage):
    # One lake, re-running the day once per crash point (a crash during a re-run, with the
    # previous version published, is the realistic case; the first round has nothing published).
    storage = make_storage("lake")
    ctx = context(site, storage)
    articles = lake.articles_key(DAY, "tiny-daily")
    verdict = None
    crash_point = 1
    while True:
        for step in (pipeline.discover, pipeline.fetch, pipeline.extract):
            step(ctx)
        if verdict is None:
            pipeline.validate(ctx)
            verdict = storage.read_bytes(ctx.staged("validation.json"))
        else:  # the same staged rows give the same verdict; spare Great Expectations' seconds
            storage.write_bytes(ctx.staged("validation.json"), verdict)
        # What an undisturbed publish makes visible: the validated, staged partition.
        expected = storage.read_bytes(ctx.staged("articles.parquet"))
        storage.arm(crash_point)
        try:
            pipeline.publish(ctx)
        except Crash:
            pass
        else:
            break  # no write left to crash at: every point has been tried
        # Readers never see a broken partition: nothing yet, or a complete validated file.
        if storage.exists(articles):
            assert storage.read_bytes(articles) == expected
        # Airflow retries the task: publish again from what is staged.
        pipeline.publish(ctx)
        assert storage.read_bytes(articles) == expected, f"crash at write {crash_point}"
        assert [k for k in storage.list("_staging") if not k.endswith("/")] == []
        assert storage.exists(lake.fetch_log_key(DAY, "tiny-daily")) and storage.exists(lake.validation_key(DAY, "tiny-daily"))
        crash_point += 1
    assert crash_point > 4  # publish has several writes, and each was a crash point
