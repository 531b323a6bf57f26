"""What the latest ClinicalTrials.gov run added, changed and removed in a class (view ``changes``)."""

from __future__ import annotations

from typing import Any

from pipeline.report.labels import phase_label, status_label
from pipeline.report.queries import CHANGE_COLUMNS
from pipeline.report.sections.context import ClassContext
from pipeline.report.templating import Fragment, number, render

CHANGE_KINDS = ("added", "changed", "removed")
COLUMNS = [
    {"key": "change", "label": "Change", "type": "enum", "labels": [k.title() for k in CHANGE_KINDS]},
    {"key": "nct_id", "label": "Trial", "type": "nct"},
    {"key": "title", "label": "Title", "type": "text", "wide": True},
    {"key": "what", "label": "What changed", "type": "text"},
    {"key": "status", "label": "Status now", "type": "text"},
]


def describe(row: dict[str, Any]) -> str:
    """One line a reader can scan: "Status: Recruiting → Completed; Enrollment: 100 → 120"."""
    if row["change"] == "added":
        return "New since the previous run"
    if row["change"] == "removed":
        return "No longer returned by the registry"
    parts = []
    fields = row["changed_fields"] or []
    if "overall_status" in fields:
        parts.append(
            f"Status: {status_label(row['previous_overall_status'])} → {status_label(row['overall_status'])}"
        )
    if "phase" in fields:
        parts.append(f"Phase: {phase_label(row['previous_phase'])} → {phase_label(row['phase'])}")
    if "enrollment" in fields:
        parts.append(f"Enrollment: {number(row['previous_enrollment'])} → {number(row['enrollment'])}")
    if "last_update_post_date" in fields and not parts:
        parts.append("Registry record updated")
    return "; ".join(parts) or "Changed"


def render_part(ctx: ClassContext) -> Fragment:
    fresh = ctx.data.freshness
    counts = {kind: ctx.data.change_counts.get((ctx.name, kind), 0) for kind in CHANGE_KINDS}
    rows = [dict(zip(CHANGE_COLUMNS, r, strict=True)) for r in ctx.data.changes if r[0] == ctx.name]
    table_id = f"changes-{ctx.name}"
    tables = {}
    if fresh.baseline_run_id and rows:
        tables[table_id] = {
            "columns": COLUMNS,
            "rows": [
                [
                    CHANGE_KINDS.index(r["change"]),
                    r["nct_id"],
                    r["title"],
                    describe(r),
                    status_label(r["overall_status"]) if r["change"] != "removed" else "",
                ]
                for r in rows
            ],
            "sort": {"key": "change", "descending": False},
        }
    html = render("changes.html.j2", c=ctx, counts=counts, fresh=fresh, table_id=table_id if tables else None)
    return Fragment(html, tables=tables)
