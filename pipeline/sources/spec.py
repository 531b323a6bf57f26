"""What the pipeline knows about one source, declared once: the registry holds one ``Source`` each.

Generic code (steps, recovery, pull planning, the warehouse, the flow, the CLI) loops over the registry
and reads these fields instead of naming sources. ``docs/ADDING-A-SOURCE.md`` explains each field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from pipeline.config import Settings
from pipeline.raw.zone import RawRun
from pipeline.runs.source_plan import SourcePlan

OnProgress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class FetchJob:
    """What the generic fetch step hands a source's fetch entry."""

    settings: Settings
    raw_run: RawRun  # the run to fill (raw/<source>/<run_id>/)
    plan: SourcePlan  # full or incremental, since when, which drift ids
    resume_from: RawRun | None = None  # a cut-off run of the source the fetch may continue
    on_progress: OnProgress | None = None  # (records so far, total or None)


# A job in, the run's manifest out: it carries n_records, total_count, data_timestamp, mode and drift
# {n_ids_requested, n_records} (see docs/ADDING-A-SOURCE.md).
Fetch = Callable[[FetchJob], dict[str, Any]]


class Normalise(Protocol):
    """(complete raw run, <parquet_dir>/<source>, processes to use) -> a summary (its repr is logged);
    writes every table, in the same bytes whatever ``workers`` is. A source with page outputs (a
    ``by_page`` classification or derivations) also takes ``derive=`` (sources/derive_pages.py)."""

    def __call__(self, raw_run: RawRun, parquet_root: Path, *, workers: int = 1) -> Any: ...


# (settings, run id, the run's started_at) -> the watermark the next incremental pull starts from.
WatermarkRule = Callable[[Settings, str, str], str]


@dataclass(frozen=True)
class Classification:
    """How the shared classifier is applied: which normalised tables feed it, which table it writes.

    Its partition is stamped with a digest of the classifier's config (pipeline/classify/run_classes.py),
    as derived partitions are: recovery classifies a run again when the stamp differs from today's."""

    table: str
    schema: pa.Schema
    inputs: tuple[str, ...]
    rows: Callable[..., pa.Table]  # (*the input tables in ``inputs`` order, classifier) -> ``schema`` rows
    # True when ``rows`` gives each record's rows together and orders records by the source's key alone,
    # so a run's rows are its pages' stably sorted by key: normalise then classifies each page as it
    # goes (sources/derive_pages.py). Otherwise only the classify step classifies, from the whole run.
    by_page: bool = False


# (settings, the run's input tables by name) -> every table of the derivation, by name.
Derive = Callable[[Settings, Mapping[str, pa.Table]], Mapping[str, pa.Table]]
# Each page's tables (page order) -> the run's, as ``derive`` over the whole run would give them.
Combine = Callable[[Sequence[Mapping[str, pa.Table]]], Mapping[str, pa.Table]]


@dataclass(frozen=True)
class Derivation:
    """Per-record tables derived from one run's normalised tables and part of the config (the endpoint
    taxonomy, say), written beside them as one partition per run, as the classifier's are.

    Each partition is stamped with ``config_digest(settings)``, a digest of the config (and logic
    version) it was derived with: recovery derives a run again when its stamp differs from the current
    one, and the build refuses partitions of another stamp, so no warehouse mixes two taxonomies.
    """

    name: str  # for logs and errors: "outcomes"
    tables: Mapping[str, pa.Schema]  # what it writes, by table name
    inputs: tuple[str, ...]  # the normalised tables it reads
    derive: Derive
    config_digest: Callable[[Settings], str]
    # Deriving is per record, so a run's tables are its pages' joined (sources/derive_pages.py): each
    # table's pages one after another, unless the rows are ordered otherwise than by page.
    combine: Combine | None = None


@dataclass(frozen=True)
class Versions:
    """The narrow relation of every version of every record the per-record SQL reads (status history,
    removals, changes): a few record-table columns, scanned for the touched keys only when incremental."""

    relation: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    """One source: where its data lives, how it is fetched, normalised, classified and kept fresh."""

    name: str  # folder under raw/ and parquet/, relation prefix src_<name>_, the --source value
    label: str  # for people: "ClinicalTrials.gov"
    key: str  # the column identifying one record
    record_table: str  # one row per record version
    tables: Mapping[str, pa.Schema]  # every table the normaliser writes, by name
    fetch: Fetch
    normalise: Normalise
    classification: Classification
    versions: Versions
    watermark_after: WatermarkRule
    drift_unit: str  # what the drift slice re-reads, for logs: "trials"
    tombstone_tables: tuple[str, ...] = ()  # tables listing keys the source deleted (column ``key``)
    reread_table: str | None = None  # re-reads that stored no new version: (key, fetched_at) rows
    changes_baseline: tuple[str, ...] = ()  # tables whose runs the changes table compares with
    derivations: tuple[Derivation, ...] = ()  # further per-run tables derived from the normalised ones

    def __post_init__(self) -> None:
        named = (
            self.record_table,
            *self.tombstone_tables,
            *self.classification.inputs,
            *self.changes_baseline,
            *(t for d in self.derivations for t in d.inputs),
        )
        wanted = [*named, *([self.reread_table] if self.reread_table else [])]
        unknown = [t for t in wanted if t not in self.tables and t != self.classification.table]
        if unknown:
            raise ValueError(f"source {self.name}: {', '.join(unknown)} not among its tables")
        derived = [t for d in self.derivations for t in d.tables]
        clashing = sorted({t for t in derived if t in self.tables or t == self.classification.table})
        if clashing or len(set(derived)) != len(derived):
            shown = ", ".join(clashing) or "a table written by two derivations"
            raise ValueError(f"source {self.name}: derived table {shown} is written twice")
        record_columns = set(self.tables[self.record_table].names)
        missing = [c for c in (self.key, "fetched_at", *self.versions.columns) if c not in record_columns]
        if missing:
            raise ValueError(f"source {self.name}: {self.record_table} lacks {', '.join(missing)}")

    @property
    def parquet_tables(self) -> dict[str, pa.Schema]:
        """Every table under parquet/<name>/: the normaliser's, the classifier's and the derivations'."""
        derived = {t: schema for d in self.derivations for t, schema in d.tables.items()}
        return {**self.tables, self.classification.table: self.classification.schema, **derived}

    @property
    def touched_tables(self) -> tuple[str, ...]:
        """Tables whose ``key`` values are the records a new run touches (updated or deleted)."""
        return (self.record_table, *self.tombstone_tables)
