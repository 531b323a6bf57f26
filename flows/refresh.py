"""The Prefect flows: ``refresh`` (fetch, normalise, classify, build, export) and ``rebuild`` (offline).

Flows only compose tasks from ``flows.tasks``; every decision lives in ``pipeline``.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow

from flows import tasks
from pipeline.config import load_config
from pipeline.steps import CTGOV, complete_runs
from pipeline.storage.run_lock import refresh_lock
from pipeline.storage.raw_zone import new_run_id

Source = Literal["ctgov", "pubmed", "all"]


@flow(name="refresh", log_prints=False)
def refresh(config_path: str | None = None, source: Source = "all") -> dict[str, Any]:
    """Pull the selected sources into a new raw run, then rebuild the warehouse and the CSV from Parquet."""
    settings = load_config(config_path)
    run_id = new_run_id()
    with refresh_lock(settings.storage.data_dir, f"refresh {run_id}"):
        manifest = tasks.fetch_ctgov(settings, run_id)
        normalised = tasks.normalise_ctgov(settings, run_id)
        class_counts = tasks.classify_ctgov(settings, run_id)
        built = tasks.build_warehouse(settings)
        exported = tasks.export_csv(settings)
    return {
        "run_id": run_id,
        "source": source,
        "studies_fetched": manifest["n_records"],
        "normalised": normalised,
        "run_class_counts": class_counts,
        "warehouse": built,
        "csv": exported,
    }


@flow(name="rebuild")
def rebuild(config_path: str | None = None) -> dict[str, Any]:
    """Re-normalise and re-classify every complete raw run, then rebuild: no network needed."""
    settings = load_config(config_path)
    with refresh_lock(settings.storage.data_dir, "rebuild"):
        runs = complete_runs(settings, CTGOV)
        for raw_run in runs:
            tasks.normalise_ctgov(settings, raw_run.run_id)
            tasks.classify_ctgov(settings, raw_run.run_id)
        built = tasks.build_warehouse(settings)
        exported = tasks.export_csv(settings)
    return {"runs_replayed": [r.run_id for r in runs], "warehouse": built, "csv": exported}
