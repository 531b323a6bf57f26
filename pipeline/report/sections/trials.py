"""A class's sortable trial list, linking each trial to ClinicalTrials.gov and its publications to PubMed.

The rows of every class's list live once in a shared ``trials`` dataset (a trial of a subclass is in its
parent's list too) and each list names its rows by index, so the page carries each trial once. The
browser builds only the visible page of a list, with text set as text (never as HTML).
"""

from __future__ import annotations

from typing import Any

from pipeline.report.labels import EN_DASH, PHASES, STATUSES, phase_label, status_label
from pipeline.report.queries import TRIAL_COLUMNS
from pipeline.report.sections.context import ClassContext
from pipeline.report.templating import Fragment, render

# Where a trial's results can be read (evidence_trials.results_route).
RESULTS_ROUTES = {
    "both": "Registry + paper",
    "registry": "Registry",
    "publication": "Paper",
    "none": EN_DASH,
}


def trials_dataset(trials: list[tuple[Any, ...]]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The shared dataset (columns and rows as arrays) and, per class, the indices of its rows."""
    col = {name: i for i, name in enumerate(TRIAL_COLUMNS)}
    statuses = sorted({r[col["overall_status"]] for r in trials}, key=lambda s: (s not in STATUSES, _rank(s)))
    phase_index = {p: i for i, p in enumerate(PHASES)}
    status_index = {s: i for i, s in enumerate(statuses)}
    routes = list(RESULTS_ROUTES)
    rows = []
    members: dict[str, list[int]] = {}
    for i, r in enumerate(trials):
        rows.append(
            [
                r[col["nct_id"]],
                r[col["title"]],
                phase_index.get(r[col["phase"]], len(PHASES) - 1),
                status_index[r[col["overall_status"]]],
                r[col["start"]],
                r[col["enrollment"]],
                routes.index(r[col["results_route"]]) if r[col["results_route"]] in routes else None,
                list(r[col["linked_pmids"]] or []),
                r[col["last_update"]],
            ]
        )
        for name in r[col["classes"]]:
            members.setdefault(name, []).append(i)
    columns = [
        {"key": "nct_id", "label": "Trial", "type": "nct"},
        {"key": "title", "label": "Title", "type": "text", "wide": True},
        {"key": "phase", "label": "Phase", "type": "enum", "labels": [phase_label(p) for p in PHASES]},
        {"key": "status", "label": "Status", "type": "enum", "labels": [status_label(s) for s in statuses]},
        {"key": "start", "label": "Start", "type": "text"},
        {"key": "enrollment", "label": "Participants", "type": "int"},
        {"key": "results", "label": "Results", "type": "enum", "labels": list(RESULTS_ROUTES.values())},
        {"key": "pmids", "label": "PubMed", "type": "pmids"},
        {"key": "updated", "label": "Updated", "type": "text"},
    ]
    return {"columns": columns, "rows": rows}, members


def _rank(status: str | None) -> tuple[int, str]:
    return (STATUSES.index(status), "") if status in STATUSES else (len(STATUSES), status or "")


def render_part(ctx: ClassContext) -> Fragment | None:
    if not ctx.n_trials:
        return None
    table_id = f"trials-{ctx.name}"
    table = {"dataset": "trials", "rows": ctx.trial_rows, "sort": {"key": "start", "descending": True}}
    return Fragment(render("trials.html.j2", c=ctx, table_id=table_id), tables={table_id: table})
