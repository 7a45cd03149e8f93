"""Volume monitoring: is today's article count normal for this source?

A source whose feed silently breaks (a redesign, a moved sitemap, a paywall) rarely fails a run:
it lands three articles instead of forty and every check on the rows passes. So each run
compares the number of articles it extracted for day D with the median of the same number on
the source's previous days, read from the lake's ``run_metrics`` table (one row per partition):

    drop   count < median × drop_factor     (default 0.5)
    spike  count > median × spike_factor    (default 3.0)

Only days strictly before D, within ``lookback_days`` (default 14), that have a run_metrics row
count — so a re-run of D gives the same answer, whatever D's own row or later days say. With
fewer than ``min_history_days`` such days (a new source) the verdict is
``insufficient_history``. A day's count is ``landed + quarantined``: the articles its run
extracted, whether they were published or rejected, so a quarantined day is not mistaken for a
day without news — plus the new URLs a manual run's ``limit`` left unfetched
(``skipped:over_limit``), so a trial run with a limit is neither a drop nor a low day in the
history.

The source's ``volume.action`` decides what a drop or a spike does: ``warn`` (the default) logs
and publishes; ``fail`` rejects the partition like a failed validation.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import statistics
from dataclasses import asdict, dataclass

from newslake import lake
from newslake.config import VolumeConfig
from newslake.storage import Storage

log = logging.getLogger(__name__)

OK, DROP, SPIKE, INSUFFICIENT_HISTORY = "ok", "drop", "spike", "insufficient_history"
# New URLs of the day that a manual run's `limit` did not fetch (run_metrics.outcome_reasons key).
OVER_LIMIT_REASON = "skipped:over_limit"
# What a VolumeCheck's count is, as its messages say: the run's extracted articles, whether the
# verdict publishes or quarantines them, plus the new URLs a manual run's limit left unfetched.
COUNT_MEANS = "landed, quarantined or over the limit"


@dataclass(frozen=True)
class VolumeCheck:
    """The verdict for one partition, as recorded in run_metrics (volume_* columns)."""

    status: str  # ok | drop | spike | insufficient_history
    count: int  # articles extracted for day D (landed or quarantined) + new URLs over a run's limit
    median: float | None  # of the previous days' counts; None without enough history
    history_days: int  # previous days (in the lookback window) with a run_metrics row
    lookback_days: int
    drop_factor: float
    spike_factor: float
    action: str  # warn | fail

    @property
    def is_anomaly(self) -> bool:
        return self.status in (DROP, SPIKE)

    @property
    def rejects(self) -> bool:
        """A drop or spike on a source configured to fail on one."""
        return self.is_anomaly and self.action == "fail"

    def message(self, source_id: str, day: dt.date) -> str:
        where = f"source {source_id!r} on {day.isoformat()}"
        # The count is what run_metrics will hold as landed + quarantined (+ skipped:over_limit),
        # not the articles landed: a rejected partition lands none, a limited run fewer.
        count = f"{self.count} articles this day ({COUNT_MEANS})"
        if self.status == INSUFFICIENT_HISTORY:
            return (
                f"volume of {where}: {count}; only {self.history_days} earlier day(s) with a run in the "
                f"last {self.lookback_days}, not enough to judge"
            )
        if self.status == OK:
            return f"volume of {where}: {count}, median of the {self.history_days} earlier days {self.median:g}: ok"
        if self.status == DROP:
            comparison = f"fewer than the median {self.median:g} × drop factor {self.drop_factor:g} = {self.median * self.drop_factor:g}"
        else:
            comparison = f"more than the median {self.median:g} × spike factor {self.spike_factor:g} = {self.median * self.spike_factor:g}"
        return (
            f"volume {self.status} for {where}: {count}, {comparison} "
            f"(median of {self.history_days} earlier days with a run in the last {self.lookback_days})"
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: dict) -> VolumeCheck:
        return cls(**payload)


def earlier_day_counts(storage: Storage, source_id: str, day: dt.date, lookback_days: int) -> dict[dt.date, int]:
    """Articles extracted (landed + quarantined, + skipped:over_limit) on each of the
    ``lookback_days`` days before ``day`` that have a run_metrics row. ``day`` itself and later
    days are never read."""
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    days = [day - dt.timedelta(days=back) for back in range(lookback_days, 0, -1)]
    paths = [storage.path(lake.run_metrics_key(earlier, source_id)) for earlier in days]
    # One listing call for the whole window (on S3: no GET for the days without a run).
    infos = storage.filesystem.get_file_info(paths)
    counts: dict[dt.date, int] = {}
    for earlier, info in zip(days, infos, strict=True):
        if info.type != pafs.FileType.File:
            continue
        columns = ["landed", "quarantined", "outcome_reasons"]
        rows = pq.read_table(info.path, columns=columns, filesystem=storage.filesystem).to_pylist()
        if rows:
            counts[earlier] = sum(
                (row["landed"] or 0) + (row["quarantined"] or 0) + json.loads(row["outcome_reasons"] or "{}").get(OVER_LIMIT_REASON, 0)
                for row in rows
            )
    return counts


def judge(count: int, history: list[int], config: VolumeConfig) -> VolumeCheck:
    """The verdict for ``count`` given the earlier days' counts (pure: no lake access)."""
    common = dict(
        count=count, history_days=len(history), lookback_days=config.lookback_days,
        drop_factor=config.drop_factor, spike_factor=config.spike_factor, action=config.action,
    )
    if len(history) < config.min_history_days:
        return VolumeCheck(status=INSUFFICIENT_HISTORY, median=None, **common)
    median = float(statistics.median(history))
    if count < median * config.drop_factor:
        status = DROP
    elif count > median * config.spike_factor:
        status = SPIKE
    else:
        status = OK
    return VolumeCheck(status=status, median=median, **common)


def check_volume(storage: Storage, source_id: str, day: dt.date, count: int, config: VolumeConfig) -> VolumeCheck:
    """Compare day ``day``'s article count with the source's earlier days in run_metrics."""
    history = earlier_day_counts(storage, source_id, day, config.lookback_days)
    return judge(count, list(history.values()), config)
