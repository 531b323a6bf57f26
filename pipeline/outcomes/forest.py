"""A forest plot of one class x endpoint x population as SVG bytes: one row per comparison with its weight,
the pooled random-effects diamond, its prediction interval and the fixed-effect estimate in the text.

Drawn with matplotlib's object API (no pyplot state, so it is safe in workers). Artists carry SVG ids
(``trial-row-<i>``, ``pooled-diamond``, ``prediction-interval``) so a reader or test can find each part.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from pipeline.outcomes.taxonomy import Taxonomy

MEASURE_LABEL = {"mean_difference": "Mean difference", "risk_ratio": "Risk ratio (log scale)"}


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _pool_rows(
    class_effects: pa.Table, members: pa.Table, treatment_class: str, endpoint_code: str, population: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    def keep(row: Mapping[str, Any]) -> bool:
        return (row["treatment_class"], row["endpoint_code"], row["population"]) == (
            treatment_class,
            endpoint_code,
            population,
        )

    pooled = [r for r in class_effects.to_pylist() if keep(r)]
    if not pooled:
        raise ValueError(f"no pooled effect for {treatment_class} x {endpoint_code} x {population}")
    return pooled[0], [r for r in members.to_pylist() if keep(r)]


def forest_plot(
    class_effects: pa.Table,
    members: pa.Table,
    treatment_class: str,
    endpoint_code: str,
    population: str,
    taxonomy: Taxonomy,
) -> bytes:
    """SVG bytes of the forest plot of one CLASS_EFFECTS row and its CLASS_EFFECT_MEMBERS rows."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon

    pooled, rows = _pool_rows(class_effects, members, treatment_class, endpoint_code, population)
    endpoint = taxonomy.endpoint(endpoint_code)
    ratio = pooled["effect_measure"] == "risk_ratio"
    n = len(rows)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "forest-plot", "font.size": 8}):
        fig = Figure(figsize=(10, 1.6 + 0.3 * (n + 3)))
        FigureCanvasSVG(fig)
        ax = fig.add_axes((0.42, 0.18, 0.33, 0.7))
        ys = [n + 1 - i for i in range(n)]
        max_w = max((r["weight_random"] for r in rows), default=100) or 100
        for i, (r, y) in enumerate(zip(rows, ys, strict=True)):
            (line,) = ax.plot([r["ci_lower"], r["ci_upper"]], [y, y], color="black", lw=1)
            line.set_gid(f"trial-row-{i}")
            size = 4 + 10 * (r["weight_random"] / max_w) ** 0.5
            (box,) = ax.plot([r["estimate"]], [y], marker="s", ms=size, color="#2b5c8a", ls="none")
            box.set_gid(f"trial-square-{i}")
            ax.text(-0.05, y, r["label"], transform=ax.get_yaxis_transform(), ha="right", va="center")
            ax.text(
                1.04,
                y,
                f"{_fmt(r['estimate'])} [{_fmt(r['ci_lower'])}, {_fmt(r['ci_upper'])}]",
                transform=ax.get_yaxis_transform(),
                va="center",
            )
            ax.text(1.55, y, f"{r['weight_random']:.1f}%", transform=ax.get_yaxis_transform(), va="center")
        y0 = 0.0
        if pooled["prediction_lower"] is not None:
            (pi,) = ax.plot(
                [pooled["prediction_lower"], pooled["prediction_upper"]], [y0, y0], color="#c0392b", lw=2
            )
            pi.set_gid("prediction-interval")
        diamond = Polygon(
            [
                (pooled["ci_lower"], y0),
                (pooled["estimate"], y0 + 0.35),
                (pooled["ci_upper"], y0),
                (pooled["estimate"], y0 - 0.35),
            ],
            closed=True,
            color="black",
            zorder=3,
        )
        diamond.set_gid("pooled-diamond")
        ax.add_patch(diamond)
        summary = f"{_fmt(pooled['estimate'])} [{_fmt(pooled['ci_lower'])}, {_fmt(pooled['ci_upper'])}]"
        ax.text(
            -0.05,
            y0,
            f"Pooled ({pooled['n_trials']} trials, {pooled['n_comparisons']} comparisons)",
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="center",
            weight="bold",
        )
        ax.text(1.04, y0, summary, transform=ax.get_yaxis_transform(), va="center", weight="bold")
        ax.text(1.55, y0, "100%", transform=ax.get_yaxis_transform(), va="center", weight="bold")
        ax.text(1.04, n + 2, "Estimate [95% CI]", transform=ax.get_yaxis_transform(), weight="bold")
        ax.text(1.55, n + 2, "Weight", transform=ax.get_yaxis_transform(), weight="bold")
        ax.axvline(1.0 if ratio else 0.0, color="grey", lw=0.8, ls="--")
        if ratio:
            ax.set_xscale("log")
        ax.set_ylim(-1, n + 2.5)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        good = "right" if endpoint.higher_is_better else "left"
        measure = MEASURE_LABEL.get(pooled["effect_measure"], "Effect")
        ax.set_xlabel(f"{measure} (favours active to the {good})")
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
        fig.text(0.02, 0.03, "; ".join(footer), fontsize=7)
        fig.suptitle(f"{treatment_class}: {endpoint.label} ({population})", fontsize=10)
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
