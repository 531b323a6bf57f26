"""Prefect tasks: thin wrappers that give each pipeline step retries, logging and a name in the UI.

No business logic here: every task calls one function of ``pipeline.steps`` (or renders its result).
Settings are passed as validated objects; caching is off because every run must read the APIs afresh.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from pipeline import steps
from pipeline.config import Settings
from pipeline.console import progress
from pipeline.runs.log import Status
from pipeline.runs.report import to_markdown
from pipeline.sources import registry

REPORT_ARTIFACT_KEY = "evidence-refresh"


@task(name="recover", cache_policy=NO_CACHE)
def recover(settings: Settings, run_id: str, source: str) -> dict[str, Any]:
    result = steps.recover(settings, run_id, source)
    logger = get_run_logger()
    if result["interrupted"]:
        logger.warning("Marked interrupted run(s) failed: %s", ", ".join(result["interrupted"]))
    if result["caught_up"]:
        logger.info(
            "Normalised/classified complete raw run(s) left behind: %s", ", ".join(result["caught_up"])
        )
    if result["incomplete"]:
        logger.warning(
            "Raw run(s) cut off mid-fetch, not normalised (a fetch with the same plan resumes them): %s",
            ", ".join(result["incomplete"]),
        )
    return result


@task(name="plan-run", cache_policy=NO_CACHE)
def plan_run(settings: Settings, run_id: str, source: str, full: bool) -> dict[str, Any]:
    plans = steps.plan_run(settings, run_id, source, full)
    for name, plan in plans.items():
        get_run_logger().info(
            "%s: %s pull (%s)%s",
            name,
            plan["mode"],
            plan["reason"],
            f", {plan['n_drift_ids']} oldest-read {registry.get(name).drift_unit} re-read"
            if plan["n_drift_ids"]
            else "",
        )
    return plans


@task(name="fetch", task_run_name="fetch-{source}", cache_policy=NO_CACHE)
def fetch(settings: Settings, source: str, run_id: str, plan: dict[str, Any] | None = None) -> dict[str, Any]:
    logger = get_run_logger()
    label = registry.get(source).label
    logger.info("Fetching %s records (run %s)", label, run_id)
    manifest = steps.fetch(
        settings, source, run_id, on_progress=progress.tracker(f"{label} records"), plan=plan
    )
    logger.info(
        "Fetched %d %s records, %d re-read for drift (data timestamp %s)",
        manifest["n_records"],
        label,
        manifest["drift"]["n_records"],
        manifest.get("data_timestamp"),
    )
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


@task(name="derive", task_run_name="derive-{source}", cache_policy=NO_CACHE)
def derive(settings: Settings, source: str, run_id: str) -> dict[str, int]:
    counts = steps.derive(settings, source, run_id)
    if counts:
        get_run_logger().info("Derived %s run %s: %s", source, run_id, counts)
    return counts


@task(name="build-warehouse", cache_policy=NO_CACHE)
def build_warehouse(settings: Settings, full: str | None = None) -> Any:
    summary = steps.build(settings, full)
    get_run_logger().info(
        "Built warehouse %s with %d trials (%s build: %s)",
        summary.path,
        summary.n_trials,
        summary.mode,
        summary.reason,
    )
    return summary


@task(name="export-csv", cache_policy=NO_CACHE)
def export_csv(settings: Settings, out: Path | None = None) -> Any:
    summary = steps.export(settings, out)
    get_run_logger().info("Exported %d rows to %s", summary.n_rows, summary.path)
    return summary


@task(name="html-report", cache_policy=NO_CACHE)
def html_report(settings: Settings) -> Any:
    summary = steps.html_report(settings)
    get_run_logger().info(
        "Wrote the HTML report %s (%d charts, %.1f s)", summary.uri, summary.n_charts, summary.seconds
    )
    return summary


@task(name="forest-plots", cache_policy=NO_CACHE)
def forest_plots(settings: Settings) -> Any:
    summary = steps.plots(settings)
    get_run_logger().info("Wrote %d forest plots to %s", summary.n_plots, summary.path)
    return summary


@task(name="publish-report", cache_policy=NO_CACHE)
def publish_report(settings: Settings, run_id: str) -> dict[str, Any]:
    """Evidence per class and what changed, as a markdown artifact on the flow run."""
    report = steps.report(settings, run_id)
    create_markdown_artifact(
        markdown=to_markdown(report),
        key=REPORT_ARTIFACT_KEY,
        description=f"Evidence per treatment class and trial changes, run {run_id}",
    )
    changes = report["changes"]
    get_run_logger().info(
        "Trials added %d, changed %d, removed %d", changes["added"], changes["changed"], changes["removed"]
    )
    return report


@task(name="finish-run", cache_policy=NO_CACHE)
def finish_run(settings: Settings, run_id: str, status: Status, error: str | None = None) -> dict[str, Any]:
    return steps.finish_run(settings, run_id, status, error)
