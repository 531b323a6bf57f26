"""Vega-Lite chart specs, as plain dicts, from small lists of counted rows (records).

Every chart takes already-counted data (see ``queries``), so specs stay a few kilobytes whatever the
number of trials, and uses the shared orders and colours of ``labels``: a status group or a phase has the
same colour on every chart. The page renders the specs with Vega-Embed.

The specs are written as the Vega-Lite JSON they are, not through Altair: Altair's chart objects cost
~8 ms a chart to build and serialise and ~0.3 s to import (together half of the report's time at 20,000
trials), for specs that differ only in their data and a few numbers. tests/report validates every chart
kind against the Vega-Lite schema (Altair's copy of it) instead.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

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
Records = list[dict[str, Any]]
# The Vega-Lite version the specs are written for; the page bundles its minor version (writer).
VEGA_LITE_VERSION = "6.4.1"
SCHEMA_URL = f"https://vega.github.io/schema/vega-lite/v{VEGA_LITE_VERSION}.json"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# Heights are fixed numbers (rows x BAR_HEIGHT), not Vega-Lite steps: a step height beside a container
# width makes Vega-Lite warn on every chart.
BAR_HEIGHT = 24
MIN_YEARS = 8
STATUS_DOMAIN = [STATUS_GROUP_LABELS[g] for g in STATUS_GROUPS]
STATUS_SCALE: Spec = {"domain": STATUS_DOMAIN, "range": list(STATUS_GROUP_COLOURS)}
PHASE_DOMAIN = [phase_label(p) for p in PHASES]
PHASE_SCALE: Spec = {"domain": PHASE_DOMAIN, "range": list(PHASE_COLOURS)}

# Shared look: readable type, no frame around the plot, legends above.
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


def count_axis(largest: int) -> Spec:
    """Whole-number ticks: for small counts list them, else let Vega choose (no "0.5 trials")."""
    if largest <= 8:
        return {"values": list(range(largest + 1)), "format": "d"}
    return {"tickMinStep": 1, "format": ",d", "tickCount": 5, "labelOverlap": True}


def field(name: str, kind: str, **props: Any) -> Spec:
    """An encoding channel; ``kind`` is the Vega-Lite type (nominal, ordinal, quantitative)."""
    return {"field": name, "type": kind, **props}


def total(name: str, **props: Any) -> Spec:
    """The sum of a count field, as stacked bars add it up."""
    return {"aggregate": "sum", "field": name, "type": "quantitative", **props}


def dataset_name(values: list[dict[str, Any]]) -> str:
    """Named by content, as Altair names inline data, so the same counts keep their name (and the page its
    bytes) from one report to the next."""
    text = json.dumps(values, sort_keys=True, default=str)
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _spec(values: Records, description: str, height: int, **body: Any) -> Spec:
    """The whole spec: ``values`` as its inline data, the shared look, the container's width."""
    name = dataset_name(values)
    return {
        "$schema": SCHEMA_URL,
        "autosize": AUTOSIZE,
        "config": CONFIG,
        "data": {"name": name},
        "datasets": {name: values},
        "description": description,
        "width": "container",
        "height": height,
        **body,
    }


def class_bars(
    frame: pd.DataFrame, colour_field: str, colour_title: str, order: list[str], description: str
) -> Spec:
    """Trials per class, stacked by status group or phase; ``frame``: class_label, <colour_field>,
    n_trials. Every class in ``order`` gets a row, a class without trials an empty one."""
    scale = STATUS_SCALE if colour_field == "status" else PHASE_SCALE
    frame = frame.assign(stack_order=frame[colour_field].map(scale["domain"].index))
    largest = int(frame.groupby("class_label")["n_trials"].sum().max())
    encoding = {
        "y": field(
            "class_label",
            "nominal",
            sort=order,
            scale={"domain": order},
            title=None,
            axis={"labelLimit": 420},
        ),
        "x": total("n_trials", title="Trials", axis=count_axis(largest)),
        "color": field(colour_field, "nominal", scale=scale, title=colour_title),
        "order": field("stack_order", "quantitative"),
        "tooltip": [
            field("class_label", "nominal", title="Class"),
            field(colour_field, "nominal", title=colour_title),
            total("n_trials", title="Trials", format=",d"),
        ],
    }
    values = frame.to_dict("records")
    return _spec(values, description, BAR_HEIGHT * len(order), mark={"type": "bar"}, encoding=encoding)


def phase_status_grid(rows: Records, colour: str, description: str) -> Spec:
    """A count per phase x registry status; ``rows``: phase, status (labels), n_trials. Two layers on
    one grid: the cells shaded by count (white to the class's colour) and the counts written in them."""
    present = {r["phase"] for r in rows}
    phases = [label for label in PHASE_DOMAIN if label in present]
    statuses = list(dict.fromkeys(r["status"] for r in rows))
    top = max(int(r["n_trials"]) for r in rows)
    # Light text on dark cells: a colour column, the text layer's colour with no scale.
    values = [{**r, "text_colour": "white" if r["n_trials"] > top * 0.55 else "#222"} for r in rows]
    grid = {
        "x": field(
            "status", "nominal", sort=statuses, title=None, axis={"labelAngle": -30, "labelLimit": 160}
        ),
        "y": field("phase", "nominal", sort=phases, title=None),
    }
    cells = {
        "mark": {"type": "rect", "cornerRadius": 2},
        "encoding": grid
        | {
            "color": field(
                "n_trials",
                "quantitative",
                scale={"range": ["#eef1f5", colour], "domainMin": 0, "interpolate": "rgb"},
                legend=None,
            ),
            "tooltip": [
                field("phase", "nominal", title="Phase"),
                field("status", "nominal", title="Status"),
                field("n_trials", "quantitative", title="Trials", format=",d"),
            ],
        },
    }
    counts = {
        "mark": {"type": "text", "fontSize": 12},
        "encoding": grid
        | {
            "text": field("n_trials", "quantitative", format=",d"),
            "color": field("text_colour", "nominal", scale=None, legend=None),
        },
    }
    return _spec(
        values,
        description,
        30 * len(phases),
        layer=[cells, counts],
        resolve={"scale": {"color": "independent"}},
    )


def start_years(rows: Records, description: str) -> Spec:
    """Trials by start year stacked by status group; ``rows``: year, status, n_trials. Years without a
    trial inside the range are drawn as gaps (zero), not skipped; the axis spans at least MIN_YEARS so a
    class whose trials all started in one year does not get one bar as wide as the chart."""
    values = [{**r, "year": int(r["year"]), "stack_order": STATUS_DOMAIN.index(r["status"])} for r in rows]
    last = max(v["year"] for v in values)
    years = list(range(min(min(v["year"] for v in values), last - MIN_YEARS + 1), last + 1))
    per_year: dict[int, int] = {}
    for v in values:
        per_year[v["year"]] = per_year.get(v["year"], 0) + int(v["n_trials"])
    present = {v["status"] for v in values}
    encoding = {
        "x": field(
            "year",
            "ordinal",
            scale={"domain": years},
            title="Start year",
            axis={"labelAngle": 0, "labelOverlap": "greedy", "labelSeparation": 6},
        ),
        "y": total("n_trials", title="Trials", axis=count_axis(max(per_year.values()))),
        "color": field(
            "status",
            "nominal",
            scale=STATUS_SCALE,
            title="Status",
            # only the groups present, two to a row: the chart may be a third of the page wide
            legend={"values": [d for d in STATUS_DOMAIN if d in present], "columns": 2},
        ),
        "order": field("stack_order", "quantitative"),
        "tooltip": [
            field("year", "ordinal", title="Start year"),
            field("status", "nominal", title="Status"),
            total("n_trials", title="Trials", format=",d"),
        ],
    }
    return _spec(values, description, 180, mark={"type": "bar"}, encoding=encoding)


def enrollment_bands(rows: Records, colour: str, description: str) -> Spec:
    """Trials per enrollment band, every band shown; ``rows``: band, n_trials."""
    bands = [label for _, label in ENROLLMENT_BANDS]
    counts = {r["band"]: r["n_trials"] for r in rows}
    full = [{"band": b, "n_trials": int(counts.get(b, 0))} for b in bands]
    largest = max(v["n_trials"] for v in full)
    encoding = {
        "y": field("band", "nominal", sort=bands, title="Participants"),
        "x": field("n_trials", "quantitative", title="Trials", axis=count_axis(largest)),
        "tooltip": [
            field("band", "nominal", title="Participants"),
            field("n_trials", "quantitative", title="Trials", format=",d"),
        ],
    }
    return _spec(
        full, description, BAR_HEIGHT * len(bands), mark={"type": "bar", "color": colour}, encoding=encoding
    )
