"""A class's heading and key numbers: trials, ongoing, participants, results and publications."""

from __future__ import annotations

from pipeline.report.sections.context import ClassContext
from pipeline.report.templating import Fragment, render


def render_part(ctx: ClassContext) -> Fragment:
    return Fragment(render("class_summary.html.j2", c=ctx, t=ctx.totals))
