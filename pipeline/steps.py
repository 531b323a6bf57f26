"""The pipeline's steps as plain functions: Prefect tasks and the CLI both call these.

Each step takes the validated settings plus ids and paths (never open connections), so a step can be
retried, replayed from the raw zone, or run outside Prefect in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline.classify.classifier import Classifier, classify_ctgov_tables
from pipeline.classify.pubmed_tables import classify_pubmed_tables
from pipeline.config import Settings
from pipeline.errors import RawZoneError
from pipeline.normalise.ctgov_run import normalise_run as normalise_ctgov_raw_run
from pipeline.normalise.ctgov_schemas import TRIAL_CLASSES
from pipeline.normalise.pubmed_class_schema import PUBLICATION_CLASSES
from pipeline.sources.ctgov import CtgovClient, fetch_run
from pipeline.storage.export_csv import export_evidence_trials
from pipeline.storage.parquet_partition import write_partition
from pipeline.storage.raw_zone import RawRun, RawZone
from pipeline.storage.warehouse import build_warehouse

CTGOV = "ctgov"
PUBMED = "pubmed"
OnProgress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class RunRef:
    """Names one raw run of one source."""

    source: str
    run_id: str


def ctgov_parquet_root(settings: Settings) -> Path:
    return settings.parquet_dir / CTGOV


def fetch_ctgov(settings: Settings, run_id: str, on_page: OnProgress | None = None) -> dict[str, Any]:
    """Pull every study for the configured condition into the raw zone; returns the run manifest."""
    raw_run = RawZone(settings.raw_dir).start_run(CTGOV, run_id)
    client = CtgovClient(settings.sources.ctgov, user_agent=settings.user_agent)
    return fetch_run(client, raw_run, on_page=on_page)


def normalise_ctgov(settings: Settings, run_id: str) -> Any:
    raw_run = RawZone(settings.raw_dir).open_run(CTGOV, run_id)
    return normalise_ctgov_raw_run(raw_run, ctgov_parquet_root(settings))


def classify_ctgov(settings: Settings, run_id: str) -> dict[str, int]:
    """Classify one run's trials from its normalised interventions and arms; returns trials per class."""
    root = ctgov_parquet_root(settings)
    interventions = _read_partition(root, "interventions", run_id)
    arms = _read_partition(root, "arms", run_id)
    classes = classify_ctgov_tables(interventions, arms, Classifier.from_settings(settings))
    write_partition(root, "trial_classes", run_id, TRIAL_CLASSES, [classes])
    counts: dict[str, set[str]] = {name: set() for name in settings.treatment_classes}
    for nct_id, cls in zip(
        classes.column("nct_id").to_pylist(), classes.column("treatment_class").to_pylist(), strict=True
    ):
        counts.setdefault(cls, set()).add(nct_id)
    return {name: len(ids) for name, ids in counts.items()}


def classify_pubmed(settings: Settings, run_id: str) -> dict[str, int]:
    """Classify one PubMed run's publications (title, abstract, MeSH, keywords); returns PMIDs per class."""
    root = settings.parquet_dir / PUBMED
    publications = _read_partition(root, "publications", run_id)
    mesh = _read_partition(root, "publication_mesh", run_id)
    keywords = _read_partition(root, "publication_keywords", run_id)
    classes = classify_pubmed_tables(publications, mesh, keywords, Classifier.from_settings(settings))
    write_partition(root, "publication_classes", run_id, PUBLICATION_CLASSES, [classes])
    counts: dict[str, set[str]] = {name: set() for name in settings.treatment_classes}
    for pmid, cls in zip(
        classes.column("pmid").to_pylist(), classes.column("treatment_class").to_pylist(), strict=True
    ):
        counts.setdefault(cls, set()).add(pmid)
    return {name: len(ids) for name, ids in counts.items()}


def complete_runs(settings: Settings, source: str) -> list[RawRun]:
    runs = RawZone(settings.raw_dir).complete_runs(source)
    if not runs:
        raise RawZoneError(
            f"no complete {source} run in the raw zone {settings.raw_dir / source}: run `evidence refresh` first"
        )
    return runs


def build(settings: Settings) -> Any:
    return build_warehouse(settings)


def export(settings: Settings, out: Path | None = None, treatment_class: str | None = None) -> Any:
    return export_evidence_trials(settings.warehouse.path, out or settings.export.csv_path, treatment_class)


def _read_partition(root: Path, table: str, run_id: str):
    path = root / table / f"run_id={run_id}"
    if not path.is_dir():
        raise RawZoneError(f"run {run_id} has no normalised {table} table at {path}: normalise it first")
    return pq.read_table(path, partitioning=None)
