"""A class's three charts: trials by phase x status, by start year, and by enrollment.

Counted from the class's records in plain Python: the few rows per class made pandas' fixed cost per step
(filter, map, sort, group) most of the report's per-class time.
"""

from __future__ import annotations

from pipeline.report import charts
from pipeline.report.labels import STATUS_GROUP_LABELS, phase_label, status_label, status_rank
from pipeline.report.sections.context import ClassContext, Records
from pipeline.report.templating import Fragment, render


def render_part(ctx: ClassContext) -> Fragment | None:
    if not ctx.n_trials:
        return None
    specs = {}
    specs[f"{ctx.name}-phase-status"] = charts.phase_status_grid(
        phase_status_counts(ctx.records_of("evidence")),
        ctx.colour,
        f"{ctx.label}: trials by phase and registry status",
    )
    years = ctx.records_of("start_years")
    n_dated = sum(int(r["n_trials"]) for r in years)
    if n_dated:
        specs[f"{ctx.name}-start-years"] = charts.start_years(
            [_year_row(r["year"], STATUS_GROUP_LABELS[r["status_group"]], r["n_trials"]) for r in years],
            f"{ctx.label}: trials by start year",
        )
    bands = ctx.records_of("enrollment_bands")
    n_enrolled = sum(int(r["n_trials"]) for r in bands)
    if n_enrolled:
        specs[f"{ctx.name}-enrollment"] = charts.enrollment_bands(
            [{"band": r["band"], "n_trials": r["n_trials"]} for r in bands],
            ctx.colour,
            f"{ctx.label}: trials by number of participants",
        )
    html = render(
        "class_charts.html.j2",
        c=ctx,
        ids=specs.keys(),
        n_undated=ctx.n_trials - n_dated,
        n_no_enrollment=ctx.n_trials - n_enrolled,
    )
    return Fragment(html, charts=specs)


def phase_status_counts(evidence: Records) -> Records:
    """Trials per phase x status label, in registry-status order (then the status, missing ones last; rows
    tying on both keep the evidence order), each pair where it first comes."""
    ordered = sorted(evidence, key=lambda r: _status_key(r["overall_status"]))
    counts: dict[tuple[str, str], int] = {}
    for r in ordered:
        key = (phase_label(r["phase"]), status_label(r["overall_status"]))
        counts[key] = counts.get(key, 0) + int(r["n_trials"])
    return [{"phase": phase, "status": status, "n_trials": n} for (phase, status), n in counts.items()]


def _year_row(year: int, status: str, n_trials: int) -> dict[str, object]:
    return {"year": year, "status": status, "n_trials": n_trials}


def _status_key(status: object) -> tuple[int, bool, str]:
    """Registry order, then the status text; a missing status (None, or NaN from pandas) last."""
    given = isinstance(status, str)
    return (status_rank(status if given else None), not given, status if given else "")
