"""One section per treatment class, built from the parts in CLASS_PARTS, in page order."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.report.sections import changes, class_charts, class_summary, effects, endpoints, trials
from pipeline.report.sections.context import ClassContext
from pipeline.report.templating import Fragment, render

Part = Callable[[ClassContext], Fragment | None]

CLASS_PARTS: tuple[Part, ...] = (
    class_summary.render_part,
    class_charts.render_part,
    endpoints.render_part,
    effects.render_part,
    trials.render_part,
    changes.render_part,
)


def render_class(ctx: ClassContext, parts: tuple[Part, ...] = CLASS_PARTS) -> Fragment:
    rendered = [f for f in (part(ctx) for part in parts) if f is not None]
    section = Fragment(render("class_section.html.j2", c=ctx, parts=[f.html for f in rendered]))
    for fragment in rendered:
        section.charts.update(fragment.charts)
        section.tables.update(fragment.tables)
    return section
