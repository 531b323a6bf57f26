"""A class's most frequent primary endpoints, as the outcome layer maps them (trial_endpoints): "change in
monthly migraine days" however each registry entry words it, "other" last. The titles as registered stay
one click away, counted verbatim."""

from __future__ import annotations

from pipeline.report.sections.context import ClassContext
from pipeline.report.templating import Fragment, render


def render_part(ctx: ClassContext) -> Fragment | None:
    if not ctx.n_trials:
        return None
    endpoints = [
        {
            "code": r["endpoint_code"],
            "label": r["label"],
            "n_trials": int(r["n_trials"]),
            "share": round(100 * int(r["n_trials"]) / ctx.n_trials, 1),
        }
        for r in ctx.records_of("endpoints")
    ]
    # Most frequent first, then by title (one row per title: the order is total).
    titles = sorted(ctx.records_of("primary_titles"), key=lambda r: (-r["n_trials"], r["measure"]))
    return Fragment(
        render(
            "endpoints.html.j2",
            c=ctx,
            endpoints=endpoints,
            n_none=int(ctx.totals.get("n_no_primary_endpoint") or 0),
            titles=[(r["measure"], r["n_trials"]) for r in titles],
        )
    )
