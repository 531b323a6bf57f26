"""Deciding what a refresh pulls: everything, or only what changed since the last good watermark.

Each source is planned on its own from the run log. A source is pulled in full when asked (--full), on
its first run, when the warehouse is missing, or when its last full pull is older than
``incremental.full_every_days``; otherwise from its watermark minus ``overlap_days`` (the APIs filter
on whole days, so the overlap re-reads the boundary day instead of missing it). Re-reading a record is
harmless: the newest version per key wins, so the merged state equals what a full pull would give.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import Settings
from pipeline.runs.log import RunLog
from pipeline.runs.source_plan import SourcePlan
from pipeline.sources import registry
from pipeline.sources.spec import Source
from pipeline.util.dates import utc_day
from pipeline.warehouse.query import read_only_connection
from pipeline.warehouse.relations import find_partitions

__all__ = ["SourcePlan", "drift_slice", "plan_sources"]


def plan_sources(
    settings: Settings, sources: tuple[str, ...], full: bool, today: date | None = None
) -> dict[str, SourcePlan]:
    today = today or datetime.now(UTC).date()
    log = RunLog(settings.storage.data_dir)
    warehouse = settings.warehouse.path
    return {source: _plan(settings, log, source, full, today, warehouse) for source in sources}


def _plan(
    settings: Settings, log: RunLog, source: str, full: bool, today: date, warehouse: Path
) -> SourcePlan:
    cfg = settings.incremental
    last = log.last_succeeded(source)
    watermark = last.sources[source].get("watermark") if last else None
    if full:
        return SourcePlan(source, "full", "full pull requested (--full)")
    if last is None or not watermark:
        return SourcePlan(source, "full", "no earlier successful run with a watermark")
    if not warehouse.is_file():
        return SourcePlan(source, "full", f"no warehouse at {warehouse}")
    last_full = log.last_succeeded(source, mode="full")
    if cfg.full_every_days is not None:
        if last_full is None:
            return SourcePlan(source, "full", "no earlier successful full pull")
        age = (today - utc_day(last_full.started_at)).days
        if age >= cfg.full_every_days:
            return SourcePlan(
                source, "full", f"last full pull {age} days ago (full_every_days: {cfg.full_every_days})"
            )
    since = (date.fromisoformat(watermark) - timedelta(days=cfg.overlap_days)).isoformat()
    drift = drift_slice(settings, source)
    return SourcePlan(
        source, "incremental", f"changes since watermark {watermark}", watermark, since, tuple(drift)
    )


def drift_slice(settings: Settings, source: str) -> list[str]:
    """The records read longest ago: enough that every current one is re-read within reread_within_days.

    A record was last read when its current version was fetched or, if later, when a re-read found it
    unchanged: a source that stores such re-reads apart from its versions names them in
    ``reread_table`` (ClinicalTrials.gov's ``rereads``); otherwise (PubMed, whose re-reads are stored
    again) the record table's ``fetched_at`` alone says when a record was last read.
    """
    spec = registry.get(source)
    rereads = _rereads(settings, spec) if spec.reread_table else None
    return _oldest_read(settings, spec.record_table, spec.key, rereads)


def _rereads(settings: Settings, spec: Source) -> pa.Table | None:
    files, _ = find_partitions(settings.parquet_dir / spec.name / str(spec.reread_table))
    return (
        pa.concat_tables(pq.read_table(f, columns=[spec.key, "fetched_at"]) for f in files) if files else None
    )


def _oldest_read(settings: Settings, table: str, key: str, rereads: pa.Table | None = None) -> list[str]:
    """The ``max(drift_slice_min, ceil(rows / reread_within_days))`` keys of ``table`` read longest ago.

    ``table`` and ``key`` come from the source registry, never from user input. ``rereads`` (key,
    fetched_at) are later reads that stored no row in ``table``.
    """
    cfg = settings.incremental
    with read_only_connection(settings.warehouse.path) as con:
        (n_rows,) = con.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()
        size = max(cfg.drift_slice_min, math.ceil(n_rows / cfg.reread_within_days))
        if rereads is None:
            sql = f"SELECT {key} FROM {table} ORDER BY fetched_at, {key} LIMIT ?"
        else:
            # The warehouse connection may not read files: the re-reads come in as an Arrow table.
            con.register("rereads", rereads)
            sql = (
                f"WITH r AS (SELECT {key}, max(fetched_at) AS fetched_at FROM rereads GROUP BY {key}) "
                f"SELECT t.{key} FROM {table} AS t LEFT JOIN r USING ({key}) "
                f"ORDER BY greatest(t.fetched_at, coalesce(r.fetched_at, t.fetched_at)), t.{key} LIMIT ?"
            )
        rows = con.execute(sql, [size]).fetchall()  # the registration is per connection, not cursor
    return [r[0] for r in rows]
