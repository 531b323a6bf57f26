"""A class's three charts: trials by phase x status, by start year, and by enrollment."""

from __future__ import annotations

from pipeline.report import charts
from pipeline.report.labels import STATUS_GROUP_LABELS, phase_label, status_label, status_rank
from pipeline.report.sections.context import ClassContext
from pipeline.report.templating import Fragment, render


def render_part(ctx: ClassContext) -> Fragment | None:
    if not ctx.n_trials:
        return None
    specs = {}
    grid = ctx.rows_of(ctx.data.evidence)
    grid = (
        grid.assign(phase=grid["phase"].map(phase_label), rank=grid["overall_status"].map(status_rank))
        .sort_values(["rank", "overall_status"])
        .assign(status=lambda f: f["overall_status"].map(status_label))
        .groupby(["phase", "status"], sort=False, as_index=False)["n_trials"]
        .sum()
    )
    specs[f"{ctx.name}-phase-status"] = charts.phase_status_grid(
        grid, ctx.colour, f"{ctx.label}: trials by phase and registry status"
    )
    years = ctx.rows_of(ctx.data.start_years)
    n_dated = int(years["n_trials"].sum())
    if n_dated:
        years = years.assign(status=years["status_group"].map(STATUS_GROUP_LABELS))
        specs[f"{ctx.name}-start-years"] = charts.start_years(
            years[["year", "status", "n_trials"]], f"{ctx.label}: trials by start year"
        )
    bands = ctx.rows_of(ctx.data.enrollment_bands)
    n_enrolled = int(bands["n_trials"].sum())
    if n_enrolled:
        specs[f"{ctx.name}-enrollment"] = charts.enrollment_bands(
            bands[["band", "n_trials"]], ctx.colour, f"{ctx.label}: trials by number of participants"
        )
    html = render(
        "class_charts.html.j2",
        c=ctx,
        ids=specs.keys(),
        n_undated=ctx.n_trials - n_dated,
        n_no_enrollment=ctx.n_trials - n_enrolled,
    )
    return Fragment(html, charts=specs)
