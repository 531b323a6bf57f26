"""The Prefect flows: ``refresh`` (plan, recover, fetch, normalise, classify and derive, build, export,
plots, reports) and ``rebuild`` (offline).

Flows only compose tasks from ``flows.tasks``; every decision lives in ``pipeline``. Sources run side
by side; the warehouse is built only once every selected source has been fetched, classified and
derived, so a failed source leaves the previous warehouse and CSV in place. The run record is closed as
failed on any error; a process killed outright leaves it ``running`` and the next run marks it failed.
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from flows import tasks
from pipeline.config import load_config
from pipeline.console import quiet_tracebacks
from pipeline.http.reachability import SourceUnreachable, for_interactive_run
from pipeline.raw.zone import new_run_id
from pipeline.runs.after_build import after_warehouse_swap
from pipeline.runs.lock import refresh_lock
from pipeline.runs.output_preflight import check_output_folders
from pipeline.sources.registry import ALL, selected
from pipeline.steps import replayable_runs

# Scheduled runs execute in their own process: expected failures log one line there too.
quiet_tracebacks.install()


@flow(name="refresh", task_runner=ThreadPoolTaskRunner(max_workers=4))
def refresh(
    config_path: str | None = None,
    source: str = ALL,
    full: bool = False,
    interactive: bool = False,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Pull the selected sources (one registry name, or ``all``; in full, or what changed since the last
    good run) into a new raw run, then rebuild the warehouse and the CSV.

    ``interactive``: someone is waiting at a terminal, so a host that cannot be reached fails its source
    at once (no HTTP or task retries); scheduled runs leave it False and keep retrying.
    """
    settings = load_config(config_path)
    check_output_folders(settings)  # before anything is fetched (the CLI checked too, before Prefect)
    if interactive:
        settings = for_interactive_run(settings)
    run_id = run_id or new_run_id()
    retry = settings.orchestration
    fetch = tasks.fetch.with_options(
        retries=retry.fetch_retries,
        retry_delay_seconds=retry.fetch_retry_delay_seconds,
        retry_condition_fn=retry_unless_unreachable,
    )
    with refresh_lock(settings.storage.data_dir, f"refresh {run_id}"):
        plans = tasks.plan_run(settings, run_id, source, full)
        try:
            recovered = tasks.recover(settings, run_id, source)
            fetched = {name: fetch.submit(settings, name, run_id, plans[name]) for name in selected(source)}
            normalised = {
                name: tasks.normalise.submit(settings, name, run_id, wait_for=[future])
                for name, future in fetched.items()
            }
            classified = {
                name: tasks.classify.submit(settings, name, run_id, wait_for=[future])
                for name, future in normalised.items()
            }
            derived = [
                tasks.derive.submit(settings, name, run_id, wait_for=[future])
                for name, future in normalised.items()
            ]
            manifests = {name: future.result() for name, future in fetched.items()}
            class_counts = {name: future.result() for name, future in classified.items()}
            for future in derived:
                future.result()
            built = tasks.build_warehouse(settings)
            with after_warehouse_swap(built.path):
                exported = tasks.export_csv(settings)
                plots = tasks.forest_plots(settings)
                html = tasks.html_report(settings)
                report = tasks.publish_report(settings, run_id)
        except BaseException as exc:
            tasks.finish_run(settings, run_id, "failed", f"{type(exc).__name__}: {exc}".splitlines()[0])
            raise
        tasks.finish_run(settings, run_id, "succeeded")
    return {
        "run_id": run_id,
        "modes": {name: plan["mode"] for name, plan in plans.items()},
        "fetched": {name: m["n_records"] for name, m in manifests.items()},
        "drift": {name: m["drift"]["n_records"] for name, m in manifests.items() if "drift" in m},
        "recovered": recovered,
        "run_class_counts": class_counts,
        "warehouse": built,
        "csv": exported,
        "plots": plots,
        "report": html,
        "changes": report["changes"],
    }


def retry_unless_unreachable(task: Any, task_run: Any, state: Any) -> bool:
    """A host found unreachable on an interactive run was already reported: retrying cannot help."""
    return not isinstance(state.data, SourceUnreachable)


REBUILD_REASON = "evidence rebuild: every raw run replayed"


@flow(name="rebuild")
def rebuild(config_path: str | None = None) -> dict[str, Any]:
    """Re-normalise, re-classify and derive every complete raw run, oldest first, then rebuild: no
    network."""
    settings = load_config(config_path)
    check_output_folders(settings)
    with refresh_lock(settings.storage.data_dir, "rebuild"):
        runs = replayable_runs(settings)
        for source, run_ids in runs.items():
            for run_id in run_ids:
                tasks.normalise(settings, source, run_id)
                tasks.classify(settings, source, run_id)
                tasks.derive(settings, source, run_id)
        built = tasks.build_warehouse(settings, full=REBUILD_REASON)
        with after_warehouse_swap(built.path):
            exported = tasks.export_csv(settings)
            plots = tasks.forest_plots(settings)
            html = tasks.html_report(settings)
    return {"runs_replayed": runs, "warehouse": built, "csv": exported, "plots": plots, "report": html}
