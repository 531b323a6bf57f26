"""What the report shows, read from the warehouse in one read-only connection.

Counting happens in DuckDB (per class x phase x status, start year, enrollment band, endpoint), so the
frames handed to the charts stay small whatever the number of trials.
The class totals come from the ``evidence`` table itself, so the page reconciles with it. Only the trial
lists grow with the warehouse: they are read as plain rows for the page's tables. Rows whose order
reaches the page come in a fixed order (a GROUP BY alone returns its groups in any order), so the same
warehouse writes the same page, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipeline.errors import ReportError
from pipeline.report.labels import ENROLLMENT_BANDS
from pipeline.util.gc_pause import gc_paused
from pipeline.warehouse.query import read_only_connection
from pipeline.warehouse.sql_files import first_line

TOP_ENDPOINTS = 10

CLASSES_SQL = """
SELECT tc.treatment_class, tc.label, tc.parent, tc.sort_order,
       (SELECT count(*) FROM treatment_class_ancestry AS a
        WHERE a.descendant = tc.treatment_class AND a.treatment_class <> tc.treatment_class) AS depth
FROM treatment_classes AS tc ORDER BY tc.sort_order
"""
EVIDENCE_SQL = """
SELECT treatment_class, phase, overall_status, status_group, n_trials, n_with_results,
       n_trials_with_published_results
FROM evidence WHERE n_trials > 0 ORDER BY treatment_class, phase NULLS FIRST, overall_status NULLS FIRST
"""
CLASS_TOTALS_SQL = """
WITH counts AS (
    SELECT treatment_class,
           CAST(sum(n_trials) AS BIGINT) AS n_trials,
           CAST(sum(n_with_results) AS BIGINT) AS n_with_results,
           CAST(sum(n_trials_with_published_results) AS BIGINT) AS n_with_published_results,
           CAST(sum(total_enrollment) AS BIGINT) AS total_enrollment,
           max(n_publications) AS n_publications,
           max(n_rct_publications) AS n_rct_publications,
           max(latest_update) AS latest_update
    FROM evidence GROUP BY treatment_class
),
per_trial AS (
    SELECT treatment_class,
           count(*) FILTER (WHERE len(linked_pmids) > 0) AS n_with_publication,
           count(*) FILTER (WHERE status_group = 'ongoing') AS n_ongoing,
           count(enrollment) AS n_enrollment_given,
           median(enrollment) AS median_enrollment,
           count(*) FILTER (WHERE len(primary_endpoints) = 0) AS n_no_primary_endpoint
    FROM evidence_trials GROUP BY treatment_class
)
SELECT c.*, coalesce(p.n_with_publication, 0) AS n_with_publication, coalesce(p.n_ongoing, 0) AS n_ongoing,
       coalesce(p.n_enrollment_given, 0) AS n_enrollment_given, p.median_enrollment,
       coalesce(p.n_no_primary_endpoint, 0) AS n_no_primary_endpoint
FROM counts AS c LEFT JOIN per_trial AS p USING (treatment_class)
"""
START_YEARS_SQL = """
SELECT treatment_class, year(start_date) AS year, status_group, count(*) AS n_trials
FROM evidence_trials WHERE start_date IS NOT NULL GROUP BY ALL ORDER BY ALL
"""
ENROLLMENT_SQL = """
SELECT treatment_class, band, count(*) AS n_trials FROM (
    SELECT treatment_class, CASE {cases} END AS band FROM evidence_trials WHERE enrollment IS NOT NULL
) GROUP BY ALL
"""
# Primary endpoints as the outcome layer maps them (canonical, e.g. "monthly migraine days" however worded);
# the registered titles as written are kept beside them (PRIMARY_TITLES_SQL).
ENDPOINTS_SQL = """
SELECT c.treatment_class, c.endpoint_code, en.label, c.n_trials
FROM (
    SELECT e.treatment_class, u.endpoint_code, count(DISTINCT e.nct_id) AS n_trials
    FROM evidence_trials AS e, unnest(e.primary_endpoints) AS u(endpoint_code)
    GROUP BY ALL
) AS c
JOIN endpoints AS en USING (endpoint_code)
ORDER BY c.treatment_class, en.endpoint_code = 'other', c.n_trials DESC, en.position
"""
PRIMARY_TITLES_SQL = """
SELECT treatment_class, measure, n_trials FROM (
    SELECT e.treatment_class, u.measure, count(DISTINCT e.nct_id) AS n_trials
    FROM evidence_trials AS e, unnest(e.primary_outcome_measures) AS u(measure)
    GROUP BY ALL
)
QUALIFY row_number() OVER (PARTITION BY treatment_class ORDER BY n_trials DESC, measure) <= $top
"""
# Pooled effects per class x endpoint x population, with the direction that is good for the endpoint.
EFFECTS_SQL = """
SELECT p.treatment_class, p.endpoint_code, p.endpoint_label, p.population, p.effect_measure, p.n_trials,
       p.n_comparisons, p.n_participants, p.method, p.estimate, p.ci_lower, p.ci_upper, p.prediction_lower,
       p.prediction_upper, p.i2, p.note, e.higher_is_better
FROM class_effects AS p
JOIN treatment_classes AS tc USING (treatment_class)
JOIN endpoints AS e USING (endpoint_code)
ORDER BY tc.sort_order, e.position, p.population
"""
ENDPOINT_LABELS_SQL = "SELECT endpoint_code, label FROM endpoints ORDER BY position"
# A trial's class memberships and their match strengths, in the same (class name) order.
TRIALS_SQL = """
SELECT nct_id, any_value(title), any_value(phase), any_value(overall_status), any_value(status_group),
       strftime(any_value(start_date), '%Y-%m'), any_value(enrollment), any_value(has_results),
       any_value(results_route), any_value(linked_pmids), CAST(any_value(last_update_post_date) AS VARCHAR),
       list(treatment_class ORDER BY treatment_class), list(match_strength ORDER BY treatment_class),
       any_value(primary_endpoints), any_value(primary_effect_endpoint), any_value(primary_effect_measure),
       any_value(primary_effect_estimate),
       any_value(primary_effect_ci_lower), any_value(primary_effect_ci_upper)
FROM evidence_trials GROUP BY nct_id ORDER BY nct_id
"""
# From trial_changes' own class lists, not the changes view: the counts need none of the view's class
# labels, and its join costs ~30 ms at 20,000 trials (this query: ~2 ms).
CHANGE_CLASS_COUNTS_SQL = """
SELECT u.treatment_class, change, count(*)
FROM trial_changes, unnest(treatment_classes) AS u(treatment_class) GROUP BY ALL
"""
# Read only when there is a baseline: a first run lists every trial as added, which the page only counts.
CHANGES_SQL = """
SELECT treatment_class, change, nct_id, title, previous_overall_status, overall_status, previous_phase, phase,
       previous_enrollment, enrollment, changed_fields
FROM changes WHERE treatment_class IS NOT NULL
ORDER BY treatment_class, CASE change WHEN 'added' THEN 1 WHEN 'changed' THEN 2 ELSE 3 END, nct_id
"""
TOTALS_SQL = """
SELECT (SELECT count(*) FROM trials), (SELECT count(DISTINCT nct_id) FROM evidence_trials),
       (SELECT count(*) FROM publications), (SELECT count(DISTINCT nct_id) FROM trial_publications)
"""
BUILD_SQL = "SELECT built_at, build_mode, n_trials FROM warehouse_builds"
SOURCES_SQL = """
SELECT source, run_id, data_timestamp, last_fetched_at FROM warehouse_runs
QUALIFY row_number() OVER (PARTITION BY source ORDER BY run_id DESC) = 1 ORDER BY source
"""
LATEST_RUN_SQL = """
SELECT run_id, min(started_at), any_value(run_mode), string_agg(source || ' ' || mode, ', ' ORDER BY source)
FROM runs WHERE run_id = (SELECT max(run_id) FROM runs) GROUP BY run_id
"""
CHANGE_COUNTS_SQL = """
SELECT max(run_id), max(baseline_run_id), count(*) FILTER (WHERE change = 'added'),
       count(*) FILTER (WHERE change = 'changed'), count(*) FILTER (WHERE change = 'removed')
FROM trial_changes
"""

# Fields of ReportData.changes rows, in CHANGES_SQL order.
CHANGE_COLUMNS = (
    "treatment_class",
    "change",
    "nct_id",
    "title",
    "previous_overall_status",
    "overall_status",
    "previous_phase",
    "phase",
    "previous_enrollment",
    "enrollment",
    "changed_fields",
)
# Columns of ReportData.trials rows, in TRIALS_SQL order.
TRIAL_COLUMNS = (
    "nct_id",
    "title",
    "phase",
    "overall_status",
    "status_group",
    "start",
    "enrollment",
    "has_results",
    "results_route",
    "linked_pmids",
    "last_update",
    "classes",
    "match_strengths",
    "primary_endpoints",
    "effect_endpoint",
    "effect_measure",
    "effect_estimate",
    "effect_ci_lower",
    "effect_ci_upper",
)


@dataclass(frozen=True)
class Freshness:
    built_at: Any
    build_mode: str
    n_trials: int
    n_trials_classified: int
    n_publications: int
    n_trials_with_publications: int
    sources: list[dict[str, Any]]
    latest_run: dict[str, Any] | None
    changes_run_id: str | None
    baseline_run_id: str | None
    change_counts: dict[str, int]


@dataclass(frozen=True)
class ReportData:
    classes: pd.DataFrame
    evidence: pd.DataFrame
    class_totals: pd.DataFrame
    start_years: pd.DataFrame
    enrollment_bands: pd.DataFrame
    endpoints: pd.DataFrame  # canonical primary endpoints per class
    primary_titles: pd.DataFrame  # the registered primary outcome titles, as written
    effects: pd.DataFrame  # class_effects with the endpoint's good direction
    endpoint_labels: dict[str, str]  # endpoint_code -> label, in endpoint order
    change_counts: dict[tuple[str, str], int]  # (class, change) -> trials
    changes: list[tuple[Any, ...]]  # CHANGE_COLUMNS, only when there is a baseline run
    trials: list[tuple[Any, ...]]
    freshness: Freshness


def read_report_data(warehouse_path: Path) -> ReportData:
    """Everything the page shows; a missing or unreadable warehouse is a one-line ReportError. The cyclic
    GC is paused: the trial rows are ~10^5 acyclic values, and the full collections they would trigger
    walk the whole heap of the process (a rebuild's) to free nothing."""
    if not warehouse_path.is_file():
        raise ReportError(f"warehouse not found: {warehouse_path}: run `evidence refresh` to build it first")
    with read_only_connection(warehouse_path, ReportError) as con, gc_paused():
        try:
            return _read(con)
        except duckdb.Error as exc:
            raise ReportError(
                f"cannot read the report's tables from {warehouse_path} (rebuild it with "
                f"`evidence rebuild`?): {first_line(str(exc))}"
            ) from None


def _read(con: duckdb.DuckDBPyConnection) -> ReportData:
    def frame(sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return con.cursor().execute(sql, params).df()

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return con.cursor().execute(sql).fetchall()

    cases = " ".join(f"WHEN enrollment >= {low} THEN '{label}'" for low, label in reversed(ENROLLMENT_BANDS))
    totals = rows(TOTALS_SQL)[0]
    build = rows(BUILD_SQL)
    latest = rows(LATEST_RUN_SQL)
    run_id, baseline, added, changed, removed = rows(CHANGE_COUNTS_SQL)[0]
    freshness = Freshness(
        built_at=build[0][0] if build else None,
        build_mode=build[0][1] if build else "",
        n_trials=totals[0],
        n_trials_classified=totals[1],
        n_publications=totals[2],
        n_trials_with_publications=totals[3],
        sources=[
            dict(zip(("source", "run_id", "data_timestamp", "last_fetched_at"), r, strict=True))
            for r in rows(SOURCES_SQL)
        ],
        latest_run=dict(zip(("run_id", "started_at", "run_mode", "modes"), latest[0], strict=True))
        if latest
        else None,
        changes_run_id=run_id,
        baseline_run_id=baseline,
        change_counts={"added": added, "changed": changed, "removed": removed},
    )
    return ReportData(
        classes=frame(CLASSES_SQL),
        evidence=frame(EVIDENCE_SQL),
        class_totals=frame(CLASS_TOTALS_SQL),
        start_years=frame(START_YEARS_SQL),
        enrollment_bands=frame(ENROLLMENT_SQL.format(cases=cases)),
        endpoints=frame(ENDPOINTS_SQL),
        primary_titles=frame(PRIMARY_TITLES_SQL, {"top": TOP_ENDPOINTS}),
        effects=frame(EFFECTS_SQL),
        endpoint_labels=dict(rows(ENDPOINT_LABELS_SQL)),
        change_counts={(c, kind): n for c, kind, n in rows(CHANGE_CLASS_COUNTS_SQL)},
        changes=rows(CHANGES_SQL) if baseline else [],
        trials=rows(TRIALS_SQL),
        freshness=freshness,
    )
