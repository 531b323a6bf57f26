"""What the trials show: a class's pooled effects against control (class_effects) as a table a clinician can
read, and the forest plot of every pool of two trials or more.

Each row reads as the warehouse holds it: endpoint, population, trials and participants pooled, the
random-effects estimate with its 95% CI, the prediction interval, I², which direction is good for the
endpoint and what the interval says in those terms. The plots are the nightly plots step's SVGs (see
``forest_images``), shown as images.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.report.forest_images import ForestImage
from pipeline.report.labels import EN_DASH
from pipeline.report.sections.context import ClassContext
from pipeline.report.templating import Fragment, render

MINUS = "\u2212"
MEASURES = {"mean_difference": "MD", "risk_ratio": "RR"}
MEASURE_NAMES = {"mean_difference": "mean difference", "risk_ratio": "risk ratio"}
POPULATIONS = {
    "episodic": "Episodic",
    "chronic": "Chronic",
    "mixed": "Episodic and chronic",
    "not_stated": "Not stated",
}


def missing(x: Any) -> bool:
    """None, NaN or pandas' NA (a NULL reaches the frame as any of them)."""
    return x is None or bool(pd.isna(x))


def value(x: Any) -> str:
    """Two decimals with a true minus sign, as typeset tables have them; missing: an en dash."""
    if missing(x):
        return EN_DASH
    return f"{x:.2f}".replace("-", MINUS)


def interval(low: Any, high: Any) -> str:
    if missing(low) or missing(high):
        return EN_DASH
    return f"{value(low)} to {value(high)}"


def reading(row: dict[str, Any]) -> str:
    """What the 95% CI says in the endpoint's own direction: wholly on one side of no effect, or not."""
    good_high = row["higher_is_better"]
    if missing(good_high):
        return EN_DASH
    null = 1.0 if row["effect_measure"] == "risk_ratio" else 0.0
    if row["ci_lower"] <= null <= row["ci_upper"]:
        return "No clear difference"
    above = row["ci_lower"] > null
    return "Favours active" if above == bool(good_high) else "Favours control"


def _note(note: Any) -> str | None:
    """class_effects.note for a reader: it names a column (n_participants), the page says "participants"."""
    if not isinstance(note, str):
        return None
    return note.replace("n_participants leaves out arms", "participants count no group")


def effect_row(row: dict[str, Any], image: ForestImage | None) -> dict[str, Any]:
    good_high = row["higher_is_better"]
    return {
        "endpoint": row["endpoint_label"],
        "endpoint_code": row["endpoint_code"],
        "population": POPULATIONS.get(row["population"], row["population"]),
        "population_code": row["population"],
        "n_trials": int(row["n_trials"]),
        "n_comparisons": int(row["n_comparisons"]),
        "n_participants": None if missing(row["n_participants"]) else int(row["n_participants"]),
        "measure": MEASURES.get(row["effect_measure"], ""),
        "measure_name": MEASURE_NAMES.get(row["effect_measure"], row["effect_measure"]),
        "estimate": value(row["estimate"]),
        "ci": interval(row["ci_lower"], row["ci_upper"]),
        "prediction": interval(row["prediction_lower"], row["prediction_upper"]),
        "i2": EN_DASH if missing(row["i2"]) else f"{row['i2']:.0f}%",
        "better": "" if missing(good_high) else ("higher is better" if good_high else "lower is better"),
        "reading": reading(row),
        "note": _note(row["note"]),
        "image": image,
    }


def render_part(ctx: ClassContext) -> Fragment | None:
    if not ctx.n_trials:
        return None
    rows = [
        effect_row(r, ctx.forest_images.get((ctx.name, r["endpoint_code"], r["population"])))
        for r in ctx.records_of("effects")
    ]
    return Fragment(render("effects.html.j2", c=ctx, rows=rows, plots=[r for r in rows if r["image"]]))
