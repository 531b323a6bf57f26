"""A class's most frequent primary endpoints: the registered primary outcome measure titles, as written.

Titles are counted verbatim; grouping equivalent endpoints worded differently (e.g. "monthly migraine
days" variants) belongs to the outcome layer."""

from __future__ import annotations

from pipeline.report.sections.context import ClassContext
from pipeline.report.templating import Fragment, render


def render_part(ctx: ClassContext) -> Fragment | None:
    if not ctx.n_trials:
        return None
    rows = ctx.rows_of(ctx.data.endpoints).sort_values(["n_trials", "measure"], ascending=[False, True])
    return Fragment(
        render(
            "endpoints.html.j2",
            c=ctx,
            endpoints=list(zip(rows["measure"], rows["n_trials"], strict=True)),
        )
    )
