"""What ``evidence status`` reports: the last runs from the run log and how fresh the warehouse is.

Read from the run log files and a read-only warehouse connection only, so it works while a refresh
runs (it then shows that run as ``running``) and never takes the refresh lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pipeline.config import Settings
from pipeline.errors import WarehouseError
from pipeline.runs.log import RunLog, RunRecord
from pipeline.runs.recovery import incomplete_raw_runs
from pipeline.sources.registry import SOURCES
from pipeline.warehouse.query import read_only_connection


@dataclass(frozen=True)
class WarehouseFreshness:
    built_at: datetime | None
    n_trials: int | None
    data_timestamps: tuple[str, ...]
    problem: str | None  # why the warehouse could not be read, if it could not

    def age_hours(self, now: datetime | None = None) -> float | None:
        if self.built_at is None:
            return None
        return ((now or datetime.now(UTC)) - self.built_at).total_seconds() / 3600


@dataclass(frozen=True)
class Status:
    runs: list[RunRecord]  # newest first
    warehouse: WarehouseFreshness
    watermarks: dict[str, str | None]  # per source, from its last succeeded run
    incomplete_raw_runs: list[str]


def collect_status(settings: Settings, limit: int = 10) -> Status:
    log = RunLog(settings.storage.data_dir)
    records = log.records()
    watermarks: dict[str, str | None] = {}
    for source in SOURCES:
        last = log.last_succeeded(source)
        watermarks[source] = last.sources[source].get("watermark") if last else None
    running = {r.run_id for r in records if r.status == "running"}
    incomplete = [
        name for name in incomplete_raw_runs(settings, tuple(SOURCES)) if name.split(":", 1)[1] not in running
    ]
    return Status(list(reversed(records))[:limit], warehouse_freshness(settings), watermarks, incomplete)


def warehouse_freshness(settings: Settings) -> WarehouseFreshness:
    try:
        with read_only_connection(settings.warehouse.path) as con:
            built_at, n_trials, stamps = (
                con.cursor()
                .execute("SELECT built_at, n_trials, data_timestamps FROM warehouse_builds")
                .fetchone()
            )
    except WarehouseError as exc:
        return WarehouseFreshness(None, None, (), str(exc))
    return WarehouseFreshness(built_at.astimezone(UTC), n_trials, tuple(stamps), None)


def source_summary(record: RunRecord, source: str) -> dict[str, Any]:
    """One source's line of a run: mode, records fetched (plus drift re-reads) and watermark."""
    entry = record.sources.get(source)
    if entry is None:
        return {}
    return {
        "mode": entry.get("mode"),
        "n_records": entry.get("n_records"),
        "n_drift_records": entry.get("n_drift_records"),
        "watermark": entry.get("watermark"),
        "data_timestamp": entry.get("data_timestamp"),
    }
