"""Prefect tasks: thin wrappers that give each pipeline step retries, logging and a name in the UI.

No business logic here: every task calls one function of ``pipeline.steps``. Settings are passed as
validated objects; caching is off because every run must read the APIs afresh.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipeline import progress, steps
from pipeline.config import Settings


@task(name="fetch-ctgov", retries=2, retry_delay_seconds=[30, 120], cache_policy=NO_CACHE)
def fetch_ctgov(settings: Settings, run_id: str) -> dict[str, Any]:
    logger = get_run_logger()
    logger.info("Fetching ClinicalTrials.gov studies for %r into run %s", settings.sources.ctgov.condition, run_id)
    manifest = steps.fetch_ctgov(settings, run_id, on_page=progress.tracker("ClinicalTrials.gov studies"))
    logger.info(
        "Fetched %d studies in %d pages (API data timestamp %s)",
        manifest["n_records"],
        manifest["n_pages"],
        manifest.get("data_timestamp"),
    )
    return manifest


@task(name="normalise-ctgov", cache_policy=NO_CACHE)
def normalise_ctgov(settings: Settings, run_id: str) -> Any:
    summary = steps.normalise_ctgov(settings, run_id)
    get_run_logger().info("Normalised run %s: %s", run_id, summary)
    return summary


@task(name="classify-ctgov", cache_policy=NO_CACHE)
def classify_ctgov(settings: Settings, run_id: str) -> dict[str, int]:
    counts = steps.classify_ctgov(settings, run_id)
    get_run_logger().info("Classified run %s: %s", run_id, counts)
    return counts


@task(name="build-warehouse", cache_policy=NO_CACHE)
def build_warehouse(settings: Settings) -> Any:
    summary = steps.build(settings)
    get_run_logger().info("Built warehouse %s", summary.path)
    return summary


@task(name="export-csv", cache_policy=NO_CACHE)
def export_csv(settings: Settings, out: Path | None = None) -> Any:
    summary = steps.export(settings, out)
    get_run_logger().info("Exported %s", summary.path)
    return summary
