"""A class's sortable trial list, linking each trial to ClinicalTrials.gov and its publications to PubMed.

The rows of every class's list live once in a shared ``trials`` dataset (a trial of a subclass is in its
parent's list too) and each list names its rows by index, so the page carries each trial once. What
differs per class (how strongly the trial matched it) travels with the class's list as its ``own``
column. The browser builds only the visible page of a list, with text set as text (never as HTML).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.config import MATCH_STRENGTHS
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
# What put the trial in the class (evidence_trials.match_strength), strongest first.
MATCH_LABELS = {"intervention": "Intervention", "mesh": "MeSH term", "title": "Title", "summary": "Summary"}
MATCH_COLUMN = {
    "key": "match",
    "label": "Matched by",
    "type": "enum",
    "labels": [MATCH_LABELS.get(m, m) for m in MATCH_STRENGTHS],
}
DIGITS = 4  # effect estimates in the page: enough to print two decimals and to compare with the warehouse


@dataclass
class TrialLists:
    """The shared dataset and, per class, the indices of its rows and their match strengths."""

    dataset: dict[str, Any]
    members: dict[str, list[int]] = field(default_factory=dict)
    strengths: dict[str, list[int | None]] = field(default_factory=dict)


def trials_dataset(trials: list[tuple[Any, ...]], endpoint_labels: dict[str, str]) -> TrialLists:
    col = {name: i for i, name in enumerate(TRIAL_COLUMNS)}
    statuses = sorted({r[col["overall_status"]] for r in trials}, key=lambda s: (s not in STATUSES, _rank(s)))
    endpoints = list(endpoint_labels)
    index = {
        "phase": {p: i for i, p in enumerate(PHASES)},
        "status": {s: i for i, s in enumerate(statuses)},
        "route": {r: i for i, r in enumerate(RESULTS_ROUTES)},
        "endpoint": {e: i for i, e in enumerate(endpoints)},
        "match": {m: i for i, m in enumerate(MATCH_STRENGTHS)},
    }
    lists = TrialLists({"columns": _columns(statuses, [endpoint_labels[e] for e in endpoints]), "rows": []})
    for i, r in enumerate(trials):
        lists.dataset["rows"].append(_row(r, col, index))
        for name, strength in zip(r[col["classes"]], r[col["match_strengths"]], strict=True):
            lists.members.setdefault(name, []).append(i)
            lists.strengths.setdefault(name, []).append(index["match"].get(strength))
    return lists


def _row(r: Sequence[Any], col: dict[str, int], index: dict[str, dict[Any, int]]) -> list[Any]:
    return [
        r[col["nct_id"]],
        r[col["title"]],
        index["phase"].get(r[col["phase"]], len(PHASES) - 1),
        index["status"][r[col["overall_status"]]],
        r[col["start"]],
        r[col["enrollment"]],
        _effect(r, col, index["endpoint"]),
        [index["endpoint"][e] for e in r[col["primary_endpoints"]] or [] if e in index["endpoint"]],
        index["route"].get(r[col["results_route"]]),
        list(r[col["linked_pmids"]] or []),
        r[col["last_update"]],
    ]


def _effect(r: Sequence[Any], col: dict[str, int], endpoints: dict[str, int]) -> list[Any] | None:
    """[endpoint index, is a ratio (0/1), estimate, CI lower, CI upper], or None without a primary effect."""
    estimate = r[col["effect_estimate"]]
    if estimate is None or r[col["effect_endpoint"]] not in endpoints:
        return None
    bounds = [r[col["effect_ci_lower"]], r[col["effect_ci_upper"]]]
    return [
        endpoints[r[col["effect_endpoint"]]],
        int(r[col["effect_measure"]] == "risk_ratio"),
        *(None if v is None else round(v, DIGITS) for v in (estimate, *bounds)),
    ]


def _columns(statuses: list[str | None], endpoint_labels: list[str]) -> list[dict[str, Any]]:
    return [
        {"key": "nct_id", "label": "Trial", "type": "nct"},
        {"key": "title", "label": "Title", "type": "text", "wide": True},
        {"key": "phase", "label": "Phase", "type": "enum", "labels": [phase_label(p) for p in PHASES]},
        {"key": "status", "label": "Status", "type": "enum", "labels": [status_label(s) for s in statuses]},
        {"key": "start", "label": "Start", "type": "text"},
        {"key": "enrollment", "label": "Participants", "type": "int"},
        {"key": "effect", "label": "Primary effect (95% CI)", "type": "effect", "labels": endpoint_labels},
        {"key": "endpoints", "label": "Primary endpoints", "type": "enums", "labels": endpoint_labels},
        {"key": "results", "label": "Results", "type": "enum", "labels": list(RESULTS_ROUTES.values())},
        {"key": "pmids", "label": "PubMed", "type": "pmids"},
        {"key": "updated", "label": "Updated", "type": "text"},
    ]


# The class's own column goes after "Results": provenance beside provenance.
MATCH_AT = [c["key"] for c in _columns([], [])].index("results") + 1


def _rank(status: str | None) -> tuple[int, str]:
    return (STATUSES.index(status), "") if status in STATUSES else (len(STATUSES), status or "")


def render_part(ctx: ClassContext) -> Fragment | None:
    if not ctx.n_trials:
        return None
    table_id = f"trials-{ctx.name}"
    table = {
        "dataset": "trials",
        "rows": ctx.trial_rows,
        "own": {"columns": [{**MATCH_COLUMN, "at": MATCH_AT}], "values": [[s] for s in ctx.match_strengths]},
        "sort": {"key": "start", "descending": True},
    }
    return Fragment(render("trials.html.j2", c=ctx, table_id=table_id), tables={table_id: table})
