"""Vega-Lite chart specs (through Altair) from small pandas frames of counts.

Every chart takes already-counted data (see ``queries``), so specs stay a few kilobytes whatever the
number of trials, and uses the shared orders and colours of ``labels``: a status group or a phase has the
same colour on every chart. Specs are plain dicts; the page renders them with Vega-Embed.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from pipeline.report.labels import (
    ENROLLMENT_BANDS,
    PHASE_COLOURS,
    PHASES,
    STATUS_GROUP_COLOURS,
    STATUS_GROUP_LABELS,
    STATUS_GROUPS,
    phase_label,
)

Spec = dict[str, Any]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# Heights are fixed numbers (rows x BAR_HEIGHT), not Vega-Lite steps: a step height beside a container
# width makes Vega-Lite warn on every chart.
BAR_HEIGHT = 24
MIN_YEARS = 8
STATUS_SCALE = alt.Scale(
    domain=[STATUS_GROUP_LABELS[g] for g in STATUS_GROUPS], range=list(STATUS_GROUP_COLOURS)
)
PHASE_SCALE = alt.Scale(domain=[phase_label(p) for p in PHASES], range=list(PHASE_COLOURS))


def count_axis(largest: int) -> alt.Axis:
    """Whole-number ticks: for small counts list them, else let Vega choose (no "0.5 trials")."""
    if largest <= 8:
        return alt.Axis(values=list(range(largest + 1)), format="d")
    return alt.Axis(tickMinStep=1, format=",d", tickCount=5, labelOverlap=True)


# Shared look: readable type, no frame around the plot, legends above. Merged into each spec as a plain
# dict: Altair's configure_*() copy and schema-check the whole chart on every call (~25 ms a chart).
CONFIG: Spec = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "titleFontWeight": "normal", "titleColor": "#444"},
    "legend": {
        "labelFontSize": 12,
        "titleFontSize": 12,
        "orient": "top",
        "direction": "horizontal",
        "columns": 5,
    },
}
AUTOSIZE: Spec = {"type": "fit-x", "contains": "padding"}  # fill the container's width


def _finish(chart: alt.TopLevelMixin, description: str) -> Spec:
    """The spec as a dict. Not schema-validated here (that doubles the build time of the report);
    tests/report validates every chart kind against the Vega-Lite schema instead."""
    spec: Spec = chart.to_dict(validate=False)
    spec.update(description=description, autosize=AUTOSIZE, config=CONFIG)
    return spec


def class_bars(
    frame: pd.DataFrame, colour_field: str, colour_title: str, order: list[str], description: str
) -> Spec:
    """Trials per class, stacked by status group or phase; ``frame``: class_label, <colour_field>,
    n_trials. Every class in ``order`` gets a row, a class without trials an empty one."""
    scale = STATUS_SCALE if colour_field == "status" else PHASE_SCALE
    domain = list(scale.domain)
    frame = frame.assign(stack_order=frame[colour_field].map(domain.index))
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(
                "class_label:N",
                sort=order,
                scale=alt.Scale(domain=order),
                title=None,
                axis=alt.Axis(labelLimit=420),
            ),
            x=alt.X(
                "sum(n_trials):Q",
                title="Trials",
                axis=count_axis(int(frame.groupby("class_label")["n_trials"].sum().max())),
            ),
            color=alt.Color(f"{colour_field}:N", scale=scale, title=colour_title),
            order=alt.Order("stack_order:Q"),
            tooltip=[
                alt.Tooltip("class_label:N", title="Class"),
                alt.Tooltip(f"{colour_field}:N", title=colour_title),
                alt.Tooltip("sum(n_trials):Q", title="Trials", format=",d"),
            ],
        )
        .properties(width="container", height=BAR_HEIGHT * len(order))
    )
    return _finish(chart, description)


def phase_status_grid(frame: pd.DataFrame, colour: str, description: str) -> Spec:
    """A count per phase x registry status; ``frame``: phase, status (labels), n_trials."""
    phases = [phase_label(p) for p in PHASES if phase_label(p) in set(frame["phase"])]
    statuses = list(dict.fromkeys(frame["status"]))
    top = int(frame["n_trials"].max())
    # Light text on dark cells; a colour column rather than alt.condition, which costs ~40 ms a chart.
    frame = frame.assign(text_colour=["white" if n > top * 0.55 else "#222" for n in frame["n_trials"]])
    base = alt.Chart(frame).encode(
        x=alt.X("status:N", sort=statuses, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=160)),
        y=alt.Y("phase:N", sort=phases, title=None),
    )
    cells = base.mark_rect(cornerRadius=2).encode(
        color=alt.Color(
            "n_trials:Q",
            scale=alt.Scale(range=["#eef1f5", colour], domainMin=0, interpolate="rgb"),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("phase:N", title="Phase"),
            alt.Tooltip("status:N", title="Status"),
            alt.Tooltip("n_trials:Q", title="Trials", format=",d"),
        ],
    )
    counts = base.mark_text(fontSize=12).encode(
        text=alt.Text("n_trials:Q", format=",d"), color=alt.Color("text_colour:N", scale=None, legend=None)
    )
    chart = (
        (cells + counts)
        .resolve_scale(color="independent")
        .properties(width="container", height=30 * len(phases))
    )
    return _finish(chart, description)


def start_years(frame: pd.DataFrame, description: str) -> Spec:
    """Trials by start year stacked by status group; ``frame``: year, status, n_trials. Years without a
    trial inside the range are drawn as gaps (zero), not skipped; the axis spans at least MIN_YEARS so a
    class whose trials all started in one year does not get one bar as wide as the chart."""
    last = int(frame["year"].max())
    years = list(range(min(int(frame["year"].min()), last - MIN_YEARS + 1), last + 1))
    domain = list(STATUS_SCALE.domain)
    frame = frame.assign(stack_order=frame["status"].map(domain.index), year=frame["year"].astype(int))
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "year:O",
                scale=alt.Scale(domain=years),
                title="Start year",
                axis=alt.Axis(labelAngle=0, labelOverlap="greedy", labelSeparation=6),
            ),
            y=alt.Y(
                "sum(n_trials):Q",
                title="Trials",
                axis=count_axis(int(frame.groupby("year")["n_trials"].sum().max())),
            ),
            color=alt.Color(
                "status:N",
                scale=STATUS_SCALE,
                title="Status",
                # only the groups present, two to a row: the chart may be a third of the page wide
                legend=alt.Legend(values=[d for d in domain if d in set(frame["status"])], columns=2),
            ),
            order=alt.Order("stack_order:Q"),
            tooltip=[
                alt.Tooltip("year:O", title="Start year"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("sum(n_trials):Q", title="Trials", format=",d"),
            ],
        )
        .properties(width="container", height=180)
    )
    return _finish(chart, description)


def enrollment_bands(frame: pd.DataFrame, colour: str, description: str) -> Spec:
    """Trials per enrollment band, every band shown; ``frame``: band, n_trials."""
    bands = [label for _, label in ENROLLMENT_BANDS]
    counts = dict(zip(frame["band"], frame["n_trials"], strict=True))
    full = pd.DataFrame({"band": bands, "n_trials": [int(counts.get(b, 0)) for b in bands]})
    chart = (
        alt.Chart(full)
        .mark_bar(color=colour)
        .encode(
            y=alt.Y("band:N", sort=bands, title="Participants"),
            x=alt.X("n_trials:Q", title="Trials", axis=count_axis(int(full["n_trials"].max()))),
            tooltip=[
                alt.Tooltip("band:N", title="Participants"),
                alt.Tooltip("n_trials:Q", title="Trials", format=",d"),
            ],
        )
        .properties(width="container", height=BAR_HEIGHT * len(bands))
    )
    return _finish(chart, description)
