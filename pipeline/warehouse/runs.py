"""Run metadata exposed to the warehouse SQL: raw-run manifests and the run log, as typed relations.

``src_raw_runs`` says which complete raw runs were full pulls (only their absences mean a trial left
the registry's answer) and what totals the APIs announced (the count reconciliation checks).
``src_run_log`` is the run log flattened to one row per run x source, for the ``runs`` table and for
the ``changes`` baseline (the newest run that succeeded). Both are plain Arrow tables registered on
the build connection, so the SQL never reads files itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.config import Settings
from pipeline.raw.zone import RawZone
from pipeline.runs.log import RunLog
from pipeline.sources.registry import SOURCES

RAW_RUNS_RELATION = "src_raw_runs"
RUN_LOG_RELATION = "src_run_log"

RAW_RUNS_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("mode", pa.string(), nullable=False),
        pa.field("started_at", pa.string()),
        pa.field("finished_at", pa.string()),
        pa.field("data_timestamp", pa.string()),
        pa.field("total_count", pa.int64()),
        pa.field("n_records", pa.int64()),
        pa.field("n_drift_records", pa.int64()),
    ]
)
RUN_LOG_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("run_mode", pa.string()),
        pa.field("started_at", pa.string()),
        pa.field("finished_at", pa.string()),
        pa.field("error", pa.string()),
        pa.field("source", pa.string()),
        pa.field("mode", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("from_watermark", pa.string()),
        pa.field("since", pa.string()),
        pa.field("watermark", pa.string()),
        pa.field("n_records", pa.int64()),
        pa.field("total_count", pa.int64()),
        pa.field("n_drift_ids", pa.int64()),
        pa.field("n_drift_records", pa.int64()),
        pa.field("data_timestamp", pa.string()),
    ]
)


def raw_run_rows(settings: Settings) -> list[dict[str, Any]]:
    """One row per complete raw run; a manifest from before modes were recorded was a full pull."""
    rows = []
    zone = RawZone(settings.raw_dir)
    for source in SOURCES:
        for run in zone.complete_runs(source):
            manifest = run.manifest()
            rows.append(
                {
                    "source": source,
                    "run_id": run.run_id,
                    "mode": manifest.get("mode") or "full",
                    "started_at": manifest.get("started_at"),
                    "finished_at": manifest.get("finished_at"),
                    "data_timestamp": manifest.get("data_timestamp"),
                    "total_count": manifest.get("total_count"),
                    "n_records": manifest.get("n_records"),
                    "n_drift_records": (manifest.get("drift") or {}).get("n_records", 0),
                }
            )
    return rows


def run_log_rows(settings: Settings) -> list[dict[str, Any]]:
    rows = []
    for record in RunLog(settings.storage.data_dir).records():
        base = {
            "run_id": record.run_id,
            "status": record.status,
            "run_mode": record.mode,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
            "error": record.error,
        }
        for source, entry in sorted(record.sources.items()) or [(None, {})]:
            rows.append(
                {
                    **base,
                    "source": source,
                    **{k: entry.get(k) for k in RUN_LOG_SCHEMA.names if k not in base and k != "source"},
                }
            )
    return rows


@dataclass(frozen=True)
class RunMetadata:
    """Both relations' rows, read once per build: the build planner consults them too."""

    raw_runs: list[dict[str, Any]]
    run_log: list[dict[str, Any]]

    @classmethod
    def read(cls, settings: Settings) -> RunMetadata:
        return cls(raw_run_rows(settings), run_log_rows(settings))

    def raw_run_modes(self) -> dict[tuple[str, str], str]:
        return {(r["source"], r["run_id"]): r["mode"] for r in self.raw_runs}

    def succeeded(self, source: str) -> list[str]:
        return sorted(
            r["run_id"] for r in self.run_log if r["source"] == source and r["status"] == "succeeded"
        )

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        con.register(RAW_RUNS_RELATION, pa.Table.from_pylist(self.raw_runs, schema=RAW_RUNS_SCHEMA))
        con.register(RUN_LOG_RELATION, pa.Table.from_pylist(self.run_log, schema=RUN_LOG_SCHEMA))
