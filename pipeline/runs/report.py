"""The per-run summary: evidence per treatment class and what the run changed, as plain values and markdown.

Read from the warehouse the run has just swapped in, so the report shows exactly what analysts now
see. Values are plain (str, int, lists): Prefect artifacts reject DataFrames and timestamps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.warehouse.query import read_only_connection

MAX_LISTED_CHANGES = 50

CLASS_ROWS_SQL = """
WITH per_class AS (
    SELECT treatment_class,
           count(DISTINCT nct_id) FILTER (WHERE change = 'added') AS added,
           count(DISTINCT nct_id) FILTER (WHERE change = 'changed') AS changed,
           count(DISTINCT nct_id) FILTER (WHERE change = 'removed') AS removed
    FROM changes GROUP BY treatment_class
)
SELECT e.treatment_class, tc.label, CAST(sum(e.n_trials) AS BIGINT), CAST(sum(e.n_with_results) AS BIGINT),
       max(e.n_publications), any_value(ch.added), any_value(ch.changed), any_value(ch.removed)
FROM evidence AS e
JOIN treatment_classes AS tc USING (treatment_class)
LEFT JOIN per_class AS ch USING (treatment_class)
GROUP BY e.treatment_class, tc.label, tc.sort_order
ORDER BY tc.sort_order
"""
CHANGE_ROWS_SQL = """
SELECT change, nct_id, coalesce(title, ''), coalesce(previous_overall_status, ''),
       coalesce(overall_status, ''), array_to_string(changed_fields, ', '),
       array_to_string(treatment_classes, ', ')
FROM trial_changes
ORDER BY CASE change WHEN 'added' THEN 1 WHEN 'changed' THEN 2 ELSE 3 END, nct_id
LIMIT ?
"""


def collect_report(warehouse_path: Path, run_id: str) -> dict[str, Any]:
    with read_only_connection(warehouse_path) as con:
        classes = con.cursor().execute(CLASS_ROWS_SQL).fetchall()
        totals = (
            con.cursor()
            .execute(
                "SELECT (SELECT count(*) FROM trials), (SELECT count(*) FROM publications), "
                "(SELECT count(*) FROM removed_trials), "
                "CAST((SELECT built_at FROM warehouse_builds) AS VARCHAR)"
            )
            .fetchone()
        )
        counts = dict(
            con.cursor().execute("SELECT change, count(*) FROM trial_changes GROUP BY change").fetchall()
        )
        (baseline,) = con.cursor().execute("SELECT max(baseline_run_id) FROM trial_changes").fetchone()
        changes = con.cursor().execute(CHANGE_ROWS_SQL, [MAX_LISTED_CHANGES]).fetchall()
    return {
        "run_id": run_id,
        "built_at": totals[3],
        "n_trials": totals[0],
        "n_publications": totals[1],
        "n_removed_trials_total": totals[2],
        "baseline_run_id": baseline,
        "changes": {kind: int(counts.get(kind, 0)) for kind in ("added", "changed", "removed")},
        "classes": [
            dict(
                zip(
                    (
                        "treatment_class",
                        "label",
                        "n_trials",
                        "n_with_results",
                        "n_publications",
                        "added",
                        "changed",
                        "removed",
                    ),
                    (r[0], r[1], *(int(v or 0) for v in r[2:])),
                    strict=True,
                )
            )
            for r in classes
        ],
        "listed_changes": [
            dict(
                zip(
                    ("change", "nct_id", "title", "previous_status", "status", "fields", "classes"),
                    r,
                    strict=True,
                )
            )
            for r in changes
        ],
    }


def to_markdown(report: dict[str, Any]) -> str:
    """A short page for the Prefect UI: totals, a table per class, then the changed trials."""
    c = report["changes"]
    since = (
        f"since run {report['baseline_run_id']}" if report["baseline_run_id"] else "(first run: all added)"
    )
    lines = [
        f"# Evidence refresh {report['run_id']}",
        "",
        f"Warehouse built {report['built_at']}: **{report['n_trials']}** trials, "
        f"**{report['n_publications']}** publications.",
        "",
    ]
    if report.get("html_report"):
        lines += [f"Report: [{report['html_report']}]({report['html_report']})", ""]
    lines += [
        f"Trials {since}: {c['added']} added, {c['changed']} changed, {c['removed']} removed.",
        "",
        "| class | trials | with results | publications | added | changed | removed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['label']} (`{r['treatment_class']}`) | {r['n_trials']} | {r['n_with_results']} | "
        f"{r['n_publications']} | {r['added']} | {r['changed']} | {r['removed']} |"
        for r in report["classes"]
    ]
    if report["listed_changes"]:
        lines += [
            "",
            "## Changed trials",
            "",
            "| change | trial | status | fields | classes |",
            "|---|---|---|---|---|",
        ]
        for r in report["listed_changes"]:
            status = (
                f"{r['previous_status']} → {r['status']}"
                if r["previous_status"] != r["status"]
                else r["status"]
            )
            title = r["title"].replace("|", "/")[:80]
            link = f"[{r['nct_id']}](https://clinicaltrials.gov/study/{r['nct_id']})"
            lines.append(f"| {r['change']} | {link} {title} | {status} | {r['fields']} | {r['classes']} |")
        total = sum(c.values())
        if total > len(report["listed_changes"]):
            lines += ["", f"... and {total - len(report['listed_changes'])} more (table `trial_changes`)."]
    return "\n".join(lines) + "\n"
