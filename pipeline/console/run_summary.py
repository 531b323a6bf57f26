"""The summary a refresh, rebuild or demo prints at the end: records fetched, changes, the evidence per
treatment class, and where the warehouse, CSV, plots, log and report are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.sources import registry
from pipeline.warehouse.query import run_query

CLASS_SUMMARY_SQL = """
SELECT treatment_class, sum(n_trials), sum(n_with_results), max(n_publications)
FROM evidence GROUP BY treatment_class ORDER BY treatment_class
"""


def print_summary(out: Console, result: dict[str, Any], log_path: Path | None = None) -> None:
    """What a refresh, rebuild or demo did, and where its outputs are."""

    def say(text: str) -> None:
        out.print(text, highlight=False, soft_wrap=True)

    built = result["warehouse"]
    for source, n in result.get("fetched", {}).items():
        mode = result.get("modes", {}).get(source)
        drift = result.get("drift", {}).get(source)
        extra = f", {mode} pull" if mode else ""
        extra += f", {drift} re-read for drift" if drift else ""
        out.print(f"{registry.get(source).label} records fetched: {n} (run {result['run_id']}{extra})")
    if "changes" in result:
        c = result["changes"]
        out.print(
            f"Trials added {c['added']}, changed {c['changed']}, removed {c['removed']} (table trial_changes)"
        )
    _, rows = run_query(built.path, CLASS_SUMMARY_SQL)
    table = Table(
        "treatment class", "trials", "with results", "publications", title="Evidence per treatment class"
    )
    for row in rows:
        table.add_row(*(str(v) for v in row))
    out.print(table)
    out.print(f"Trials in warehouse: {built.n_trials}")
    say(f"Warehouse: {built.path}")
    say(f"CSV: {result['csv'].path}")
    if "plots" in result:
        say(f"Forest plots: {result['plots'].n_plots} in {result['plots'].path}")
    if log_path is not None:
        say(f"Log: {log_path}")
    if result.get("report"):
        say(f"Report: {result['report'].uri}")
