"""Normalise one complete raw ClinicalTrials.gov run into a Parquet partition per table.

Pages are read, normalised and written one at a time, so memory depends on the page size, not on
the number of studies. Only complete runs (with a manifest) are normalised: a half-fetched run would
publish a partial registry as if it were the newest state.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.errors import RawZoneError
from pipeline.normalise.ctgov_schemas import TABLES
from pipeline.normalise.ctgov_tables import PageTables, build_page_tables
from pipeline.normalise.provenance import Provenance
from pipeline.storage.parquet_partition import PartitionWriter
from pipeline.storage.raw_zone import RawRun


@dataclass
class NormaliseSummary:
    run_id: str
    n_pages: int = 0
    n_studies: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    unknown_values: Counter[str] = field(default_factory=Counter)  # "overallStatus=FOO" -> occurrences
    unparseable_dates: Counter[str] = field(default_factory=Counter)  # "start_date=Spring 2015" -> count

    def add(self, page: PageTables) -> None:
        self.n_pages += 1
        self.n_studies += page.n_studies
        for name, table in page.tables.items():
            self.rows[name] += table.num_rows
        self.unknown_values.update(page.unknown_values)
        self.unparseable_dates.update(page.unparseable_dates)

    def as_record(self) -> dict[str, Any]:
        """Plain JSON-ready values (for logs and Prefect artifacts)."""
        return {
            "run_id": self.run_id,
            "n_pages": self.n_pages,
            "n_studies": self.n_studies,
            "rows": dict(self.rows),
            "unknown_values": dict(self.unknown_values.most_common()),
            "unparseable_dates": dict(self.unparseable_dates.most_common()),
        }


def normalise_run(raw_run: RawRun, parquet_root: Path) -> NormaliseSummary:
    """Write ``<parquet_root>/<table>/run_id=<run_id>/part-00000.parquet`` for every table.

    ``parquet_root`` is ``settings.parquet_dir / "ctgov"``. Normalising a run again replaces its
    partitions; on any error no partition of this run changes.
    """
    if not raw_run.complete:
        raise RawZoneError(f"raw run {raw_run.path} is incomplete (no manifest.json): not normalised")
    manifest = raw_run.manifest()
    if manifest.get("complete") is not True:
        raise RawZoneError(f"raw run {raw_run.path} is not marked complete in its manifest: not normalised")
    data_timestamp = manifest.get("data_timestamp")
    summary = NormaliseSummary(run_id=raw_run.run_id)
    with PartitionWriter(parquet_root, raw_run.run_id, TABLES) as writer:
        for record, body in raw_run.iter_bodies(kind="page"):
            provenance = Provenance(raw_run.run_id, _fetched_at(raw_run, record.fetched_at), data_timestamp)
            page = build_page_tables(body, provenance, f"{raw_run.path / record.file}")
            writer.write(page.tables)
            summary.add(page)
    return summary


def _fetched_at(raw_run: RawRun, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise RawZoneError(f"raw run {raw_run.path}: page fetched_at {value!r} is not an ISO UTC time")
    return parsed
