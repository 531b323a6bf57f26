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


@task(name="fetch-ctgov", cache_policy=NO_CACHE)
def fetch_ctgov(settings: Settings, run_id: str) -> dict[str, Any]:
    logger = get_run_logger()
    logger.info("Fetching ClinicalTrials.gov studies for %r (run %s)", settings.sources.ctgov.condition, run_id)
    manifest = steps.fetch_ctgov(settings, run_id, on_page=progress.tracker("ClinicalTrials.gov studies"))
    logger.info(
        "Fetched %d studies in %d pages (API data timestamp %s)",
        manifest["n_records"],
        manifest["n_pages"],
        manifest.get("data_timestamp"),
    )
    return manifest


@task(name="fetch-pubmed", cache_policy=NO_CACHE)
def fetch_pubmed(settings: Settings, run_id: str) -> dict[str, Any]:
    logger = get_run_logger()
    logger.info("Fetching PubMed records (run %s)", run_id)
    manifest = steps.fetch_pubmed(settings, run_id, on_progress=progress.tracker("PubMed records"))
    logger.info("Fetched %d PubMed records in %d date window(s)", manifest["n_records"], len(manifest["windows"]))
    return manifest


@task(name="normalise", cache_policy=NO_CACHE)
def normalise(settings: Settings, source: str, run_id: str) -> dict[str, Any]:
    summary = steps.normalise(settings, source, run_id)
    get_run_logger().info("Normalised %s run %s: %s", source, run_id, summary)
    return {"source": source, "run_id": run_id, "summary": summary}


@task(name="classify", cache_policy=NO_CACHE)
def classify(settings: Settings, source: str, run_id: str) -> dict[str, int]:
    counts = steps.classify(settings, source, run_id)
    get_run_logger().info("Classified %s run %s: %s", source, run_id, counts)
    return counts


@task(name="build-warehouse", cache_policy=NO_CACHE)
def build_warehouse(settings: Settings) -> Any:
    summary = steps.build(settings)
    get_run_logger().info("Built warehouse %s with %d trials", summary.path, summary.n_trials)
    return summary


@task(name="export-csv", cache_policy=NO_CACHE)
def export_csv(settings: Settings, out: Path | None = None) -> Any:
    summary = steps.export(settings, out)
    get_run_logger().info("Exported %d rows to %s", summary.n_rows, summary.path)
    return summary


FETCHERS = {steps.CTGOV: fetch_ctgov, steps.PUBMED: fetch_pubmed}
