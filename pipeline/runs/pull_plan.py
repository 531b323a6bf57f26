"""Deciding what a refresh pulls: everything, or only what changed since the last good watermark.

Each source is planned on its own from the run log. A source is pulled in full when asked (--full), on
its first run, when the warehouse is missing, or when its last full pull is older than
``incremental.full_every_days``; otherwise from its watermark minus ``overlap_days`` (the APIs filter
on whole days, so the overlap re-reads the boundary day instead of missing it). Re-reading a record is
harmless: the newest version per key wins, so the merged state equals what a full pull would give.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.config import Settings
from pipeline.errors import RawZoneError
from pipeline.parquet.writer import partition_dir
from pipeline.raw.zone import RawZone
from pipeline.runs.log import RunLog
from pipeline.sources.ctgov.normalise.rereads import REREADS_TABLE
from pipeline.warehouse.query import read_only_connection
from pipeline.warehouse.relations import find_partitions

Mode = Literal["full", "incremental"]
CTGOV = "ctgov"
PUBMED = "pubmed"


@dataclass(frozen=True)
class SourcePlan:
    """What one source's fetch asks the API for, and why."""

    source: str
    mode: Mode
    reason: str
    from_watermark: str | None = None  # the last good watermark this pull starts from (YYYY-MM-DD)
    since: str | None = None  # first day asked for (watermark minus the overlap), YYYY-MM-DD
    drift_ids: tuple[str, ...] = ()  # oldest-read trials (NCT ids) or PMIDs re-fetched by id

    def as_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["drift_ids"] = list(self.drift_ids)
        record["n_drift_ids"] = len(self.drift_ids)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> SourcePlan:
        """Back from the plain dict a Prefect task passed along."""
        fields = {k: record.get(k) for k in ("source", "mode", "reason", "from_watermark", "since")}
        return cls(**fields, drift_ids=tuple(record.get("drift_ids") or ()))

    def ctgov_params(self) -> dict[str, str]:
        """The incremental filter, in the API's Essie syntax (the test server understands it too)."""
        if self.mode == "full" or self.since is None:
            return {}
        return {"filter.advanced": f"AREA[LastUpdatePostDate]RANGE[{self.since},MAX]"}

    def pubmed_term(self, query: str) -> str:
        """The query, limited on an incremental pull to records entered OR revised since ``since``.

        One search (not one per date type), so PubMed itself returns each PMID once and a quiet night
        costs a single ESearch.
        """
        if self.mode == "full" or self.since is None:
            return query
        day = self.since.replace("-", "/")
        return f'({query}) AND ("{day}"[EDAT] : "3000"[EDAT] OR "{day}"[MDAT] : "3000"[MDAT])'


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
        age = (today - _day(last_full.started_at)).days
        if age >= cfg.full_every_days:
            return SourcePlan(
                source, "full", f"last full pull {age} days ago (full_every_days: {cfg.full_every_days})"
            )
    since = (date.fromisoformat(watermark) - timedelta(days=cfg.overlap_days)).isoformat()
    drift = drift_slice(settings, source)
    return SourcePlan(
        source, "incremental", f"changes since watermark {watermark}", watermark, since, tuple(drift)
    )


def drift_slice(settings: Settings, source: str = CTGOV) -> list[str]:
    """The records read longest ago: enough that every current one is re-read within reread_within_days.

    ClinicalTrials.gov: a trial was last read when its current version was fetched or, if later, when a
    drift re-read found it unchanged (the normaliser records those in the ``rereads`` Parquet table, not
    as versions). PubMed: a re-read always stores the record again (no content hash, no history), so
    ``publications.fetched_at`` alone says when a PMID was last read.
    """
    if source == PUBMED:
        return _oldest_read(settings, "publications", "pmid")
    if source != CTGOV:
        raise ValueError(f"no drift control for source {source!r}")
    files, _ = find_partitions(settings.parquet_dir / CTGOV / REREADS_TABLE)
    rereads = pa.concat_tables(_read_rereads(f) for f in files) if files else None
    return _oldest_read(settings, "trials", "nct_id", rereads)


def _oldest_read(settings: Settings, table: str, key: str, rereads: pa.Table | None = None) -> list[str]:
    """The ``max(drift_slice_min, ceil(rows / reread_within_days))`` keys of ``table`` read longest ago.

    ``table`` and ``key`` are this module's constants, never user input. ``rereads`` (key, fetched_at)
    are later reads that stored no row in ``table``.
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


def _read_rereads(path: Path) -> pa.Table:
    return pq.read_table(path, columns=["nct_id", "fetched_at"])


def watermark_after(settings: Settings, source: str, run_id: str, started_at: str) -> str:
    """The watermark a succeeded run leaves for the next one.

    ClinicalTrials.gov: the newest lastUpdatePostDate the run saw, never moving backwards (a night
    with no changes keeps the previous one). PubMed: the day the run started (ESearch dates are
    NCBI's own, so the pull covers everything entered or revised from that day on), or the day of
    its search if it resumed an earlier cut-off run's (its manifest's ``data_timestamp``).
    """
    start_day = _day(started_at).isoformat()
    if source != CTGOV:
        return min(start_day, _search_day(settings, source, run_id) or start_day)
    previous = RunLog(settings.storage.data_dir).last_succeeded(source)
    earlier = previous.sources[source].get("watermark") if previous else None
    seen = _max_last_update(settings.parquet_dir / CTGOV, run_id)
    candidates = [d for d in (earlier, seen) if d]
    return max(candidates) if candidates else start_day


def _search_day(settings: Settings, source: str, run_id: str) -> str | None:
    """The day a run's answer reflects, from its raw manifest (None when it has none)."""
    try:
        stamp = RawZone(settings.raw_dir).open_run(source, run_id).complete_manifest().get("data_timestamp")
        return _day(stamp).isoformat() if isinstance(stamp, str) else None
    except (RawZoneError, ValueError):
        return None


def _max_last_update(root: Path, run_id: str) -> str | None:
    path = partition_dir(root, "trials", run_id)
    if not path.is_dir():
        return None
    column = pq.read_table(path, columns=["last_update_post_date"], partitioning=None).column(0)
    newest = pc.max(column).as_py()
    return newest.isoformat() if newest else None


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).date()
