"""A forest plot of one class x endpoint x population: one row per comparison with its weight, the pooled
random-effects diamond, its prediction interval and the fixed-effect estimate in the text.

Drawn with matplotlib's object API (no pyplot state, so it is safe in workers), as SVG (default) or PNG.
Artists carry SVG ids (``trial-row-<i>``, ``pooled-diamond``, ``prediction-interval``) so a reader or
test can find each part. ``forest_data`` takes the rows from the outcome tables in memory; the warehouse
side (pipeline/outcomes/plots.py) builds the same ``ForestData`` from the class_effects tables.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from pipeline.outcomes.pooling import ClassEffectTables
from pipeline.outcomes.taxonomy import Taxonomy

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MEASURE_LABEL = {"mean_difference": "Mean difference", "risk_ratio": "Risk ratio (log scale)"}
IMAGE_FORMATS = ("svg", "png")


class PoolKey(NamedTuple):
    """One pool: a row of class_effects."""

    treatment_class: str
    endpoint_code: str
    population: str


@dataclass(frozen=True)
class ForestData:
    """Everything one plot shows: the pooled row, its comparisons in order, and how to read the axis."""

    key: PoolKey
    pooled: Mapping[str, Any]  # a CLASS_EFFECTS row
    members: list[Mapping[str, Any]]  # its CLASS_EFFECT_MEMBERS rows, in plot order
    endpoint_label: str
    higher_is_better: bool | None


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def forest_data(tables: ClassEffectTables, key: PoolKey, taxonomy: Taxonomy) -> ForestData:
    """The plot's rows for ``key`` from pool_class_effects' tables; ValueError when there is no such pool."""
    pooled = [r for r in tables.class_effects.to_pylist() if PoolKey(*_key_of(r)) == key]
    if not pooled:
        raise ValueError(f"no pooled effect for {' x '.join(key)}")
    members = [r for r in tables.members.to_pylist() if PoolKey(*_key_of(r)) == key]
    endpoint = taxonomy.endpoint(key.endpoint_code)
    return ForestData(key, pooled[0], members, endpoint.label, endpoint.higher_is_better)


def _key_of(row: Mapping[str, Any]) -> tuple[str, str, str]:
    return (row["treatment_class"], row["endpoint_code"], row["population"])


def forest_plot(data: ForestData, image_format: str = "svg") -> bytes:
    """The forest plot as SVG (or PNG) bytes."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image format {image_format!r}: expected one of {', '.join(IMAGE_FORMATS)}")
    n = len(data.members)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "forest-plot", "font.size": 9}):
        fig = Figure(figsize=(10, 1.6 + 0.3 * (n + 3)))
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.42, 0.18, 0.33, 0.7))
        _draw_rows(ax, data.members)
        _draw_pooled(ax, data.pooled)
        _style_axis(ax, data, n)
        fig.text(0.02, 0.03, "; ".join(_footer(data.pooled)), fontsize=7)
        cls = data.pooled.get("class_label") or data.key.treatment_class
        fig.suptitle(f"{cls}: {data.endpoint_label} ({data.key.population})", fontsize=11)
        out = io.BytesIO()
        # A tight box grows the canvas to every label, so a long group title is never cut off.
        fig.savefig(
            out, format=image_format, metadata=_metadata(image_format), bbox_inches="tight", pad_inches=0.15
        )
    return out.getvalue()


def _metadata(image_format: str) -> dict[str, Any]:
    """No creation date, so the same data gives the same file."""
    return {"Date": None} if image_format == "svg" else {"Software": None}


def _draw_rows(ax: Axes, rows: list[Mapping[str, Any]]) -> None:
    n = len(rows)
    max_w = max((r["weight_random"] for r in rows), default=100) or 100
    right = ax.get_yaxis_transform()
    for i, r in enumerate(rows):
        y = n + 1 - i
        (line,) = ax.plot([r["ci_lower"], r["ci_upper"]], [y, y], color="black", lw=1)
        line.set_gid(f"trial-row-{i}")
        size = 4 + 10 * (r["weight_random"] / max_w) ** 0.5
        (box,) = ax.plot([r["estimate"]], [y], marker="s", ms=size, color="#2b5c8a", ls="none")
        box.set_gid(f"trial-square-{i}")
        ax.text(-0.05, y, r["label"], transform=right, ha="right", va="center")
        interval = f"{_fmt(r['estimate'])} [{_fmt(r['ci_lower'])}, {_fmt(r['ci_upper'])}]"
        ax.text(1.04, y, interval, transform=right, va="center")
        ax.text(1.55, y, f"{r['weight_random']:.1f}%", transform=right, va="center")


def _draw_pooled(ax: Axes, pooled: Mapping[str, Any]) -> None:
    from matplotlib.patches import Polygon

    y0 = 0.0
    right = ax.get_yaxis_transform()
    if pooled["prediction_lower"] is not None:
        (pi,) = ax.plot(
            [pooled["prediction_lower"], pooled["prediction_upper"]], [y0, y0], color="#c0392b", lw=2
        )
        pi.set_gid("prediction-interval")
    corners = [
        (pooled["ci_lower"], y0),
        (pooled["estimate"], y0 + 0.35),
        (pooled["ci_upper"], y0),
        (pooled["estimate"], y0 - 0.35),
    ]
    diamond = Polygon(corners, closed=True, color="black", zorder=3)
    diamond.set_gid("pooled-diamond")
    ax.add_patch(diamond)
    label = f"Pooled ({pooled['n_trials']} trials, {pooled['n_comparisons']} comparisons)"
    ax.text(-0.05, y0, label, transform=right, ha="right", va="center", weight="bold")
    summary = f"{_fmt(pooled['estimate'])} [{_fmt(pooled['ci_lower'])}, {_fmt(pooled['ci_upper'])}]"
    ax.text(1.04, y0, summary, transform=right, va="center", weight="bold")
    ax.text(1.55, y0, "100%", transform=right, va="center", weight="bold")


def _style_axis(ax: Axes, data: ForestData, n: int) -> None:
    right = ax.get_yaxis_transform()
    ax.text(1.04, n + 2, "Estimate [95% CI]", transform=right, weight="bold")
    ax.text(1.55, n + 2, "Weight", transform=right, weight="bold")
    ratio = data.pooled["effect_measure"] == "risk_ratio"
    ax.axvline(1.0 if ratio else 0.0, color="grey", lw=0.8, ls="--")
    if ratio:
        ax.set_xscale("log")
    ax.set_ylim(-1, n + 2.5)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    good = "right" if data.higher_is_better else "left"
    measure = MEASURE_LABEL.get(data.pooled["effect_measure"], "Effect")
    ax.set_xlabel(f"{measure} (favours active to the {good})")


def _footer(pooled: Mapping[str, Any]) -> list[str]:
    footer = [pooled["method"]]
    if pooled["tau2"] is not None:
        footer.append(f"tau² = {pooled['tau2']:.3f}, I² = {pooled['i2']:.0f}%")
    if pooled["prediction_lower"] is not None:
        footer.append(
            f"prediction interval {_fmt(pooled['prediction_lower'])} to "
            f"{_fmt(pooled['prediction_upper'])} (red)"
        )
    footer.append(
        f"fixed effect {_fmt(pooled['fixed_estimate'])} [{_fmt(pooled['fixed_ci_lower'])}, "
        f"{_fmt(pooled['fixed_ci_upper'])}]"
    )
    return footer
