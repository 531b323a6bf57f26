"""The pipeline's steps as plain functions: Prefect tasks and the CLI both call these.

Each step takes the validated settings plus ids and paths (never open connections), so a step can be
retried, replayed from the raw zone, or run outside Prefect in tests.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.classify.run_classes import classification
from pipeline.config import Settings
from pipeline.errors import RawZoneError
from pipeline.parquet.writer import PART_FILE, partition_dir
from pipeline.raw.zone import RawRun, RawZone
from pipeline.runs.log import RunLog, Status
from pipeline.runs.pull_plan import plan_sources
from pipeline.runs.recovery import incomplete_raw_runs, resume_candidate, stale_runs
from pipeline.runs.report import collect_report
from pipeline.runs.source_plan import SourcePlan
from pipeline.sources import registry
from pipeline.sources.derive_pages import PageDerive, current_rows, page_outputs, write_derived
from pipeline.sources.spec import Derivation, FetchJob, OnProgress, Source
from pipeline.util.free_memory import release_freed_memory, release_memory_as_freed
from pipeline.warehouse.build import build_warehouse
from pipeline.warehouse.export_csv import export_evidence_trials

logger = logging.getLogger(__name__)


# -- plan and recover -------------------------------------------------------------------------------


def recover(settings: Settings, run_id: str, source: str = registry.ALL) -> dict[str, Any]:
    """Before fetching: fail runs a crash left ``running``, and finish the Parquet of complete raw runs.

    Call only while holding the refresh lock. Returns plain values (for logs and the run record).
    """
    sources = registry.selected(source)
    every = tuple(registry.SOURCES)
    interrupted = RunLog(settings.storage.data_dir).mark_interrupted(keep=run_id)
    caught_up = []
    for stale in stale_runs(settings, every):
        if stale.needs_normalise:
            normalise(settings, stale.source, stale.run_id)
        if stale.needs_classify:
            classify(settings, stale.source, stale.run_id)
        if stale.needs_derive:
            derive(settings, stale.source, stale.run_id)
        caught_up.append(f"{stale.source}:{stale.run_id}")
    incomplete = incomplete_raw_runs(settings, every, exclude=run_id)
    for name in incomplete:
        logger.warning(
            "raw run %s has no manifest (fetch cut off): never normalised; a fetch with the same plan "
            "resumes from its whole pages",
            name,
        )
    return {
        "sources": list(sources),
        "interrupted": interrupted,
        "caught_up": caught_up,
        "incomplete": incomplete,
    }


def plan_run(
    settings: Settings, run_id: str, source: str = registry.ALL, full: bool = False
) -> dict[str, Any]:
    """Decide full or incremental per source and open the run record (status ``running``)."""
    plans = plan_sources(settings, registry.selected(source), full)
    mode = "full" if all(p.mode == "full" for p in plans.values()) else "incremental"
    RunLog(settings.storage.data_dir).start(run_id, mode, {name: p.as_record() for name, p in plans.items()})
    return {name: p.as_record() for name, p in plans.items()}


def finish_run(settings: Settings, run_id: str, status: Status, error: str | None = None) -> dict[str, Any]:
    """Close the run record; a succeeded run also leaves each source's watermark for the next run."""
    log = RunLog(settings.storage.data_dir)
    record = log.get(run_id)
    if status == "succeeded":
        for source in record.sources:
            watermark = registry.get(source).watermark_after(settings, run_id, record.started_at)
            log.update_source(run_id, source, watermark=watermark)
    return log.finish(run_id, status, error).as_json()


# -- fetch ------------------------------------------------------------------------------------------


def fetch(
    settings: Settings,
    source: str,
    run_id: str,
    on_progress: OnProgress | None = None,
    plan: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Pull one source (all, or what changed since the watermark plus the drift slice, as ``plan`` says)
    into the raw zone, resuming a cut-off run of the same plan; returns the run manifest."""
    spec = registry.get(source)
    source_plan = SourcePlan.from_record(plan) if plan else SourcePlan(spec.name, "full", "no plan given")
    raw_run = RawZone(settings.raw_dir).start_run(spec.name, run_id)
    resume_from = resume_candidate(settings, spec.name, exclude=run_id)
    manifest = spec.fetch(FetchJob(settings, raw_run, source_plan, resume_from, on_progress))
    _log_fetch(settings, run_id, spec.name, manifest)
    return manifest


def _log_fetch(settings: Settings, run_id: str, source: str, manifest: dict[str, Any]) -> None:
    """Counts into the run record, when the run has one (steps may also run outside a refresh)."""
    log = RunLog(settings.storage.data_dir)
    if log.path(run_id).exists():
        log.update_source(
            run_id,
            source,
            n_records=manifest["n_records"],
            total_count=manifest["total_count"],
            data_timestamp=manifest.get("data_timestamp"),
            n_drift_records=manifest["drift"]["n_records"],
            n_drift_ids=manifest["drift"]["n_ids_requested"],
        )


# -- normalise and classify -------------------------------------------------------------------------


def normalise(settings: Settings, source: str, run_id: str) -> Any:
    """Write every table of one complete raw run as Parquet partitions; returns the normaliser's summary."""
    release_memory_as_freed()  # pages free tens of MB at a time: hand them back as they go
    spec = registry.get(source)
    raw_run = RawZone(settings.raw_dir).open_run(spec.name, run_id)
    # A source with page outputs classifies and derives each page where it is normalised
    # (sources/derive_pages.py).
    outputs = page_outputs(spec)
    fused = {"derive": PageDerive(settings, outputs, spec.key, spec.record_table)} if outputs else {}
    try:
        return spec.normalise(
            raw_run, settings.parquet_dir / spec.name, workers=settings.resources.normalise_processes, **fused
        )
    finally:
        release_freed_memory()  # the pages are written: the steps after it need the memory


def classify(settings: Settings, source: str, run_id: str) -> dict[str, int]:
    """Classify one run's normalised records, the partition stamped with the classifier's config;
    returns records per configured class. A partition already current (classified with this config
    since the records were written: normalise classifies as it goes) is kept as it is."""
    spec = registry.get(source)
    how = classification(spec)
    _current_or_derived(settings, spec, how, run_id)
    table = partition_dir(settings.parquet_dir / spec.name, spec.classification.table, run_id) / PART_FILE
    classes = pq.read_table(table, columns=[spec.key, "treatment_class"])
    counts = _count_by_class(settings, classes, spec.key)
    del classes
    release_freed_memory()
    return counts


def derive(settings: Settings, source: str, run_id: str) -> dict[str, int]:
    """Write one run's derived tables (the source's derivations, e.g. ctgov's outcome tables), each
    partition stamped with the config it was derived with; returns rows per table. Partitions already
    current (derived with this config since the records were written: normalise derives as it goes)
    are kept as they are."""
    spec = registry.get(source)
    counts: dict[str, int] = {}
    for how in spec.derivations:
        counts.update(_current_or_derived(settings, spec, how, run_id))
    return counts


def _current_or_derived(settings: Settings, spec: Source, how: Derivation, run_id: str) -> dict[str, int]:
    """Rows per table of ``how``'s partitions for a run: kept when current, else computed from the run's
    Parquet tables and written stamped with today's config."""
    root = settings.parquet_dir / spec.name
    digest = how.config_digest(settings)
    rows = current_rows(root, run_id, how, digest, spec.record_table)
    if rows is None:
        inputs = {table: _read_partition(root, table, run_id) for table in how.inputs}
        rows = write_derived(root, run_id, how, digest, how.derive(settings, inputs))
        del inputs
    return rows


# -- replay, build, export --------------------------------------------------------------------------


def complete_runs(settings: Settings, source: str) -> list[RawRun]:
    """Finished raw runs of one source, oldest first (replaying in order rebuilds newest-wins state)."""
    return RawZone(settings.raw_dir).complete_runs(source)


def replayable_runs(settings: Settings) -> dict[str, list[str]]:
    """Run ids per source that ``rebuild`` can replay (normalise, classify, derive); fails when the raw
    zone holds nothing at all."""
    runs = {source: [r.run_id for r in complete_runs(settings, source)] for source in registry.SOURCES}
    if not any(runs.values()):
        raise RawZoneError(
            f"no complete run in the raw zone {settings.raw_dir}: run `evidence refresh` first"
        )
    return runs


def build(settings: Settings, full: str | None = None) -> Any:
    """Incremental where that gives the same warehouse; ``full`` (the reason) forces a full build."""
    return build_warehouse(settings, full=full)


def export(settings: Settings, out: Path | None = None, treatment_class: str | None = None) -> Any:
    return export_evidence_trials(settings.warehouse.path, out or settings.export.csv_path, treatment_class)


def plots(settings: Settings) -> Any:
    """One forest plot per pooled class x endpoint x population of at least two trials, in
    ``<data_dir>/plots`` (swapped in whole)."""
    from pipeline.outcomes.plots import plots_dir, write_plots  # matplotlib loads only when plotting

    return write_plots(settings.warehouse.path, plots_dir(settings))


def report(settings: Settings, run_id: str) -> dict[str, Any]:
    """What the freshly built warehouse holds and what this run changed, as plain values, with a link to
    the HTML report when there is one."""
    summary = collect_report(settings.warehouse.path, run_id)
    index = settings.report_dir / "index.html"
    summary["html_report"] = index.resolve().as_uri() if index.is_file() else None
    return summary


def html_report(settings: Settings, out: Path | None = None) -> Any:
    """The static HTML report of the warehouse, swapped in whole at ``out`` or ``report.dir``; it shows the
    forest plots the plots step drew (drawn again only when they are not this warehouse's)."""
    from pipeline.outcomes.plots import plots_dir
    from pipeline.report.writer import write_report  # Jinja2 and the page's parts: only when reporting

    return write_report(
        settings.warehouse.path, out or settings.report_dir, plots_dir(settings), settings.report.results_from
    )


def _count_by_class(settings: Settings, classes: pa.Table, key: str) -> dict[str, int]:
    members: dict[str, set[str]] = {name: set() for name in settings.treatment_classes}
    for record_id, cls in zip(
        classes.column(key).to_pylist(), classes.column("treatment_class").to_pylist(), strict=True
    ):
        members.setdefault(cls, set()).add(record_id)
    return {name: len(ids) for name, ids in members.items()}


def _read_partition(root: Path, table: str, run_id: str) -> pa.Table:
    path = root / table / f"run_id={run_id}"
    if not path.is_dir():
        raise RawZoneError(f"run {run_id} has no normalised {table} table at {path}: normalise it first")
    return pq.read_table(path, partitioning=None)
