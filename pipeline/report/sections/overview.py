"""The overview: headline numbers, trials per class by status group and by phase, and a table of the
per-class counts that links to each class's section. Every count comes from the ``evidence`` table."""

from __future__ import annotations

import pandas as pd

from pipeline.report import charts
from pipeline.report.labels import STATUS_GROUP_LABELS, phase_label
from pipeline.report.queries import ReportData
from pipeline.report.sections.context import ClassContext
from pipeline.report.templating import Fragment, render


def render_overview(data: ReportData, classes: list[ClassContext]) -> Fragment:
    specs = {}
    if len(data.evidence):
        labels = {c.name: _axis_label(c) for c in classes}
        evidence = data.evidence.assign(class_label=data.evidence["treatment_class"].map(labels))
        order = [labels[c.name] for c in classes]
        by_status = _counts(evidence, "status_group", order).assign(
            status=lambda f: f["status_group"].map(STATUS_GROUP_LABELS)
        )
        specs["overview-status"] = charts.class_bars(
            by_status[["class_label", "status", "n_trials"]],
            "status",
            "Status",
            order,
            "Trials per treatment class by status group",
        )
        by_phase = _counts(evidence, "phase", order).assign(phase=lambda f: f["phase"].map(phase_label))
        specs["overview-phase"] = charts.class_bars(
            by_phase[["class_label", "phase", "n_trials"]],
            "phase",
            "Phase",
            order,
            "Trials per treatment class by phase",
        )
    groups = data.evidence.groupby(["treatment_class", "status_group"])["n_trials"].sum()
    status_groups: dict[str, dict[str, int]] = {}
    for (name, group), n in groups.items():
        status_groups.setdefault(name, {})[group] = int(n)
    html = render(
        "overview.html.j2", fresh=data.freshness, classes=classes, status_groups=status_groups, ids=specs
    )
    return Fragment(html, charts=specs)


def _axis_label(ctx: ClassContext) -> str:
    """Subclasses read as such on the chart axis."""
    return ("↳ " * ctx.depth) + ctx.label


def _counts(evidence: pd.DataFrame, by: str, order: list[str]) -> pd.DataFrame:
    grouped = evidence.groupby(["class_label", by], dropna=False, as_index=False)["n_trials"].sum()
    return grouped.assign(_o=grouped["class_label"].map(order.index)).sort_values("_o").drop(columns="_o")
