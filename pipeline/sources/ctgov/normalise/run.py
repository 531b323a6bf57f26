"""Normalise one complete raw ClinicalTrials.gov run into a Parquet partition per table.

Pages are read, normalised and written one at a time per process, so memory depends on the page size,
not on the number of studies. With ``workers`` > 1 other processes read and normalise pages too
(``pipeline.parquet.parallel``), unless the run is too small to be worth starting them; this process
writes every page's rows in page order, so the files are those of the sequential path. Only complete
runs (with a manifest) are normalised: a half-fetched run would publish a partial registry as if it were
the newest state.
"""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.parquet.parallel import in_page_order, workers_for
from pipeline.parquet.provenance import Provenance
from pipeline.parquet.writer import PartitionWriter
from pipeline.raw.zone import PageRecord, RawRun
from pipeline.sources.ctgov.normalise.rereads import (
    REREADS_TABLE,
    is_drift_page,
    rereads_table,
    stored_hashes,
)
from pipeline.sources.ctgov.normalise.schemas import REREADS, TABLES
from pipeline.sources.ctgov.normalise.tables import PageTables, UnlessStored, build_page_tables
from pipeline.sources.derive_pages import DerivedPages, PageDerive, PageOutput

logger = logging.getLogger(__name__)
SHOWN_UNKNOWN_VALUES = 5


@dataclass
class NormaliseSummary:
    run_id: str
    n_pages: int = 0
    n_studies: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    unknown_values: Counter[str] = field(default_factory=Counter)  # "overallStatus=FOO" -> occurrences
    unparseable_dates: Counter[str] = field(default_factory=Counter)  # "start_date=Spring 2015" -> count
    n_unchanged_rereads: int = 0  # drift re-reads identical to the stored version: recorded, not rows

    def add(self, page: PageTables) -> None:
        self.n_pages += 1
        self.n_studies += page.n_studies
        self.n_unchanged_rereads += len(page.skipped)
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
            "n_unchanged_rereads": self.n_unchanged_rereads,
            "unknown_values": dict(self.unknown_values.most_common()),
            "unparseable_dates": dict(self.unparseable_dates.most_common()),
        }


@dataclass(frozen=True)
class PageJob:
    """One raw page to normalise, as plain data (it may be sent to another process)."""

    raw_run: RawRun
    record: PageRecord
    data_timestamp: str | None
    keep: UnlessStored | None
    derive: PageDerive | None = None  # the source's derivations, applied to the page where it is normalised


def normalise_run(
    raw_run: RawRun, parquet_root: Path, *, workers: int = 1, derive: PageDerive | None = None
) -> NormaliseSummary:
    """Write ``<parquet_root>/<table>/run_id=<run_id>/part-00000.parquet`` for every table.

    ``parquet_root`` is ``settings.parquet_dir / "ctgov"``; ``workers``: at most this many processes
    normalising pages at once, this one included (only this one for a small run: ``workers_for``).
    Normalising a run again replaces its partitions; on any error no partition
    of this run changes. Re-reads identical to their stored version go to the ``rereads`` table only
    (see ``ctgov_rereads``): every study of an incremental run (the drift slice, and the overlap day its
    query reads again), and the drift pages of any run. A full pull keeps every study it returned: its
    absences are what removes a trial. With ``derive`` each page is also derived where it is normalised,
    and the derived partitions are written after the records (pipeline/sources/derive_pages.py).
    """
    manifest = raw_run.complete_manifest()
    summary = NormaliseSummary(run_id=raw_run.run_id)
    jobs = _page_jobs(raw_run, parquet_root, manifest, derive)
    derived = DerivedPages(derive)
    sizes = [raw_run.body_size(job.record) for job in jobs]
    pages = in_page_order(normalise_page_job, jobs, workers_for(workers, sizes))
    with (
        PartitionWriter(parquet_root, raw_run.run_id, {**TABLES, REREADS_TABLE: REREADS}) as writer,
        closing(pages),
    ):
        for page, rereads, page_derived in pages:
            writer.write(page.tables)
            writer.write({REREADS_TABLE: rereads})
            derived.add(page.tables, page_derived)
            summary.add(page)
    derived.write(parquet_root, raw_run.run_id)  # after the records: newer than them, as recovery expects
    if summary.unknown_values:  # a new registry code: kept as received, and said where people look
        shown = ", ".join(f"{v} ({n})" for v, n in summary.unknown_values.most_common(SHOWN_UNKNOWN_VALUES))
        more = len(summary.unknown_values) - SHOWN_UNKNOWN_VALUES
        logger.warning(
            "ClinicalTrials.gov run %s: values outside the known enums, kept as received: %s%s",
            raw_run.run_id,
            shown,
            f" and {more} more" if more > 0 else "",
        )
    return summary


def normalise_page_job(job: PageJob) -> tuple[PageTables, pa.Table, PageOutput]:
    """Read (checked against its sha256), normalise: the page's tables, its ``rereads`` rows and (with
    ``job.derive``) its derived tables."""
    raw_run, record = job.raw_run, job.record
    body = raw_run.read_body(record)
    provenance = Provenance(raw_run.run_id, raw_run.fetched_at_of(record), job.data_timestamp)
    page = build_page_tables(body, provenance, f"{raw_run.path / record.file}", job.keep)
    derived = job.derive(page.tables) if job.derive is not None else None
    return page, rereads_table(page.skipped, provenance), derived


def _page_jobs(
    raw_run: RawRun, parquet_root: Path, manifest: dict[str, Any], derive: PageDerive | None
) -> list[PageJob]:
    """For an incremental run or a drift page: keep a study unless it equals its stored current version."""
    records = [record for record in raw_run.pages() if record.kind == "page"]
    incremental = manifest.get("mode") == "incremental"
    filtered = [incremental or is_drift_page(record.file) for record in records]
    unchanged = UnlessStored(stored_hashes(raw_run, parquet_root)) if any(filtered) else None
    bare_run = RawRun(raw_run.source, raw_run.run_id, raw_run.path)  # no page list: sent to each worker
    data_timestamp = manifest.get("data_timestamp")
    return [
        PageJob(bare_run, record, data_timestamp, unchanged if keep else None, derive)
        for record, keep in zip(records, filtered, strict=True)
    ]
