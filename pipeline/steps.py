"""The pipeline's steps as plain functions: Prefect tasks and the CLI both call these.

Each step takes the validated settings plus ids and paths (never open connections), so a step can be
retried, replayed from the raw zone, or run outside Prefect in tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.classify.classifier import Classifier, classify_ctgov_tables
from pipeline.config import Settings
from pipeline.errors import RawZoneError
from pipeline.parquet.writer import write_partition
from pipeline.raw.zone import RawRun, RawZone
from pipeline.runs.log import RunLog, Status
from pipeline.runs.pull_plan import SourcePlan, plan_sources, watermark_after
from pipeline.runs.recovery import incomplete_raw_runs, resume_candidate, stale_runs
from pipeline.runs.report import collect_report
from pipeline.sources.ctgov import fetch as ctgov
from pipeline.sources.ctgov.normalise.run import normalise_run as normalise_ctgov_raw_run
from pipeline.sources.ctgov.normalise.schemas import TRIAL_CLASSES
from pipeline.sources.pubmed import fetch as pubmed
from pipeline.sources.pubmed.classify import classify_pubmed_tables
from pipeline.sources.pubmed.normalise.class_schema import PUBLICATION_CLASSES
from pipeline.sources.pubmed.normalise.run import normalise_run as normalise_pubmed_raw_run
from pipeline.sources.pubmed.query import query_for
from pipeline.warehouse.build import build_warehouse
from pipeline.warehouse.export_csv import export_evidence_trials

CTGOV = "ctgov"
PUBMED = "pubmed"
SOURCES = (CTGOV, PUBMED)
OnProgress = Callable[[int, int | None], None]
logger = logging.getLogger(__name__)


def selected_sources(source: str) -> tuple[str, ...]:
    """``all`` means every source; otherwise the one named."""
    return SOURCES if source == "all" else (source,)


# -- plan and recover -------------------------------------------------------------------------------


def recover(settings: Settings, run_id: str, source: str = "all") -> dict[str, Any]:
    """Before fetching: fail runs a crash left ``running``, and finish the Parquet of complete raw runs.

    Call only while holding the refresh lock. Returns plain values (for logs and the run record).
    """
    sources = selected_sources(source)
    interrupted = RunLog(settings.storage.data_dir).mark_interrupted(keep=run_id)
    caught_up = []
    for stale in stale_runs(settings, SOURCES):
        if stale.needs_normalise:
            normalise(settings, stale.source, stale.run_id)
        classify(settings, stale.source, stale.run_id)
        caught_up.append(f"{stale.source}:{stale.run_id}")
    incomplete = incomplete_raw_runs(settings, SOURCES, exclude=run_id)
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


def plan_run(settings: Settings, run_id: str, source: str = "all", full: bool = False) -> dict[str, Any]:
    """Decide full or incremental per source and open the run record (status ``running``)."""
    plans = plan_sources(settings, selected_sources(source), full)
    mode = "full" if all(p.mode == "full" for p in plans.values()) else "incremental"
    RunLog(settings.storage.data_dir).start(run_id, mode, {name: p.as_record() for name, p in plans.items()})
    return {name: p.as_record() for name, p in plans.items()}


def finish_run(settings: Settings, run_id: str, status: Status, error: str | None = None) -> dict[str, Any]:
    """Close the run record; a succeeded run also leaves each source's watermark for the next run."""
    log = RunLog(settings.storage.data_dir)
    record = log.get(run_id)
    if status == "succeeded":
        for source in record.sources:
            log.update_source(
                run_id, source, watermark=watermark_after(settings, source, run_id, record.started_at)
            )
    return log.finish(run_id, status, error).as_json()


# -- fetch ------------------------------------------------------------------------------------------


def fetch_ctgov(
    settings: Settings, run_id: str, on_page: OnProgress | None = None, plan: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Pull the configured condition's studies (all, or changed since the watermark plus the drift
    slice) into the raw zone, resuming a cut-off run of the same plan; returns the run manifest."""
    source_plan = SourcePlan.from_record(plan) if plan else SourcePlan(CTGOV, "full", "no plan given")
    raw_run = RawZone(settings.raw_dir).start_run(CTGOV, run_id)
    resume_from = resume_candidate(settings, CTGOV, exclude=run_id)
    client = ctgov.CtgovClient(settings.sources.ctgov, user_agent=settings.user_agent)
    try:
        manifest = ctgov.fetch_run(
            client,
            raw_run,
            extra_params=source_plan.ctgov_params(),
            on_page=on_page,
            mode=source_plan.mode,
            drift_ids=source_plan.drift_ids,
            drift_ids_per_request=settings.incremental.drift_ids_per_request,
            resume_from=resume_from,
        )
    finally:
        client.close()
    _log_fetch(
        settings,
        run_id,
        CTGOV,
        manifest,
        n_drift_records=manifest["drift"]["n_records"],
        n_drift_ids=manifest["drift"]["n_ids_requested"],
    )
    return manifest


def fetch_pubmed(
    settings: Settings, run_id: str, on_progress: OnProgress | None = None, plan: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Pull the PubMed records matching the configured (or class-derived) query, all of them or those
    entered or revised since the watermark plus the drift slice (oldest-read PMIDs), into the raw zone,
    resuming a cut-off run of the same plan."""
    source_plan = SourcePlan.from_record(plan) if plan else SourcePlan(PUBMED, "full", "no plan given")
    raw_run = RawZone(settings.raw_dir).start_run(PUBMED, run_id)
    resume_from = resume_candidate(settings, PUBMED, exclude=run_id)
    client = pubmed.PubmedClient(
        settings.sources.pubmed, user_agent=settings.user_agent, api_key=pubmed.api_key_from_env()
    )
    try:
        manifest = pubmed.fetch_run(
            client,
            raw_run,
            source_plan.pubmed_term(query_for(settings)),
            on_progress=on_progress,
            mode=source_plan.mode,
            resume_from=resume_from,
            drift_ids=source_plan.drift_ids,
        )
    finally:
        client.close()
    _log_fetch(
        settings,
        run_id,
        PUBMED,
        manifest,
        n_drift_records=manifest["drift"]["n_records"],
        n_drift_ids=manifest["drift"]["n_ids_requested"],
    )
    return manifest


def _log_fetch(settings: Settings, run_id: str, source: str, manifest: dict[str, Any], **extra: Any) -> None:
    """Counts into the run record, when the run has one (steps may also run outside a refresh)."""
    log = RunLog(settings.storage.data_dir)
    if log.path(run_id).exists():
        log.update_source(
            run_id,
            source,
            n_records=manifest["n_records"],
            total_count=manifest["total_count"],
            data_timestamp=manifest.get("data_timestamp"),
            **extra,
        )


# -- normalise and classify -------------------------------------------------------------------------


def normalise_ctgov(settings: Settings, run_id: str) -> Any:
    raw_run = RawZone(settings.raw_dir).open_run(CTGOV, run_id)
    return normalise_ctgov_raw_run(raw_run, settings.parquet_dir / CTGOV)


def normalise_pubmed(settings: Settings, run_id: str) -> Any:
    raw_run = RawZone(settings.raw_dir).open_run(PUBMED, run_id)
    return normalise_pubmed_raw_run(raw_run, settings.parquet_dir / PUBMED)


def classify_ctgov(settings: Settings, run_id: str) -> dict[str, int]:
    """Classify one run's trials from its normalised interventions and arms; returns trials per class."""
    root = settings.parquet_dir / CTGOV
    classes = classify_ctgov_tables(
        _read_partition(root, "interventions", run_id),
        _read_partition(root, "arms", run_id),
        Classifier.from_settings(settings),
    )
    write_partition(root, "trial_classes", run_id, TRIAL_CLASSES, [classes])
    return _count_by_class(settings, classes, "nct_id")


def classify_pubmed(settings: Settings, run_id: str) -> dict[str, int]:
    """Classify one PubMed run's publications (title, abstract, MeSH, keywords); returns PMIDs per class."""
    root = settings.parquet_dir / PUBMED
    classes = classify_pubmed_tables(
        _read_partition(root, "publications", run_id),
        _read_partition(root, "publication_mesh", run_id),
        _read_partition(root, "publication_keywords", run_id),
        Classifier.from_settings(settings),
    )
    write_partition(root, "publication_classes", run_id, PUBLICATION_CLASSES, [classes])
    return _count_by_class(settings, classes, "pmid")


def normalise(settings: Settings, source: str, run_id: str) -> Any:
    return {CTGOV: normalise_ctgov, PUBMED: normalise_pubmed}[source](settings, run_id)


def classify(settings: Settings, source: str, run_id: str) -> dict[str, int]:
    return {CTGOV: classify_ctgov, PUBMED: classify_pubmed}[source](settings, run_id)


# -- replay, build, export --------------------------------------------------------------------------


def complete_runs(settings: Settings, source: str) -> list[RawRun]:
    """Finished raw runs of one source, oldest first (replaying in order rebuilds newest-wins state)."""
    return RawZone(settings.raw_dir).complete_runs(source)


def replayable_runs(settings: Settings) -> dict[str, list[str]]:
    """Run ids per source that ``rebuild`` can replay; fails when the raw zone holds nothing at all."""
    runs = {source: [r.run_id for r in complete_runs(settings, source)] for source in SOURCES}
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


def report(settings: Settings, run_id: str) -> dict[str, Any]:
    """What the freshly built warehouse holds and what this run changed, as plain values."""
    return collect_report(settings.warehouse.path, run_id)


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
