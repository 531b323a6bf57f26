"""A class's most frequent primary endpoints, as the outcome layer maps them (trial_endpoints): "change in
monthly migraine days" however each registry entry words it, "other" last. The titles as registered stay
one click away, counted verbatim."""

from __future__ import annotations

from pipeline.report.sections.context import ClassContext
from pipeline.report.templating import Fragment, render


def render_part(ctx: ClassContext) -> Fragment | None:
    if not ctx.n_trials:
        return None
    rows = ctx.rows_of(ctx.data.endpoints)
    endpoints = [
        {"code": code, "label": label, "n_trials": int(n), "share": round(100 * int(n) / ctx.n_trials, 1)}
        for code, label, n in zip(rows["endpoint_code"], rows["label"], rows["n_trials"], strict=True)
    ]
    titles = ctx.rows_of(ctx.data.primary_titles).sort_values(
        ["n_trials", "measure"], ascending=[False, True]
    )
    return Fragment(
        render(
            "endpoints.html.j2",
            c=ctx,
            endpoints=endpoints,
            n_none=int(ctx.totals.get("n_no_primary_endpoint") or 0),
            titles=list(zip(titles["measure"], titles["n_trials"], strict=True)),
        )
    )
