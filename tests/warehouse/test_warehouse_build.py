"""Building the warehouse from Parquet runs: every table, newest run wins, zero rows, comments."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from ctgov_parquet_builder import RUN_1, RUN_2, make_settings, write_run, write_two_runs

from pipeline.config import Settings
from pipeline.warehouse.build import build_warehouse

ANALYST_TABLES = {
    "publications",
    "publication_classes",
    "publication_registry_ids",
    "trial_publications",
    "trials",
    "trial_conditions",
    "trial_interventions",
    "trial_intervention_mesh",
    "trial_arms",
    "trial_outcomes",
    "trial_result_outcomes",
    "trial_result_groups",
    "trial_result_measurements",
    "trial_result_analyses",
    "trial_references",
    "treatment_classes",
    "trial_classes",
    "evidence",
    "evidence_trials",
    "warehouse_runs",
    "warehouse_builds",
    "removed_trials",
    "removed_publications",
    "trial_status_history",
    "trial_summaries",
    "treatment_class_ancestry",
    "warehouse_inputs",
    "trial_changes",
    "runs",
    "endpoints",
    "trial_endpoints",
    "trial_effects",
    "class_effects",
    "class_effect_members",
}
ANALYST_VIEWS = {"trial_results", "changes"}


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(settings.warehouse.path), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_build_summary_reports_trials_classes_and_runs(settings: Settings) -> None:
    write_two_runs(settings.parquet_dir)
    summary = build_warehouse(settings)
    assert summary.path == settings.warehouse.path
    assert summary.n_trials == 4
    assert summary.class_counts == {
        "cgrp": 2,
        "cgrp_mab": 1,
        "gepant": 1,
        "meglitinide": 1,
        "tnf_inhibitor": 1,
        "triptan": 0,
    }
    assert summary.runs == (f"ctgov:{RUN_1}", f"ctgov:{RUN_2}")
    assert summary.data_timestamps == ("2025-12-31T22:00:00", "2026-01-31T22:00:00")
    leftovers = [p.name for p in settings.warehouse.path.parent.iterdir()]
    assert leftovers == ["evidence.duckdb"]


def test_every_analyst_table_is_built(built: Settings) -> None:
    tables = {r[0] for r in query(built, "SELECT table_name FROM duckdb_tables() WHERE NOT temporary")}
    assert tables == ANALYST_TABLES
    views = {r[0] for r in query(built, "SELECT view_name FROM duckdb_views() WHERE NOT internal")}
    assert views == ANALYST_VIEWS
    counts = {t: query(built, f"SELECT count(*) FROM {t}")[0][0] for t in ANALYST_TABLES | ANALYST_VIEWS}
    assert counts["trials"] == 4
    assert counts["trial_conditions"] == 2
    assert counts["trial_arms"] == 2
    assert counts["trial_outcomes"] == 6
    assert counts["trial_results"] == 2 + 6
    assert counts["trial_result_analyses"] == 1
    assert counts["trial_references"] == 1
    assert counts["treatment_classes"] == 6
    assert counts["trial_classes"] == 4
    assert counts["warehouse_builds"] == 1


def test_trials_table_keeps_dates_and_url(built: Settings) -> None:
    row = query(
        built,
        "SELECT title, phase, start_date, start_date_precision, enrollment, has_results, url, run_id "
        "FROM trials WHERE nct_id = 'NCT02552212'",
    )[0]
    assert row == (
        "Multicenter Study Evaluating Certolizumab Pegol Compared to Placebo in Subjects With axSpA Without "
        "X-ray Evidence of AS",
        "PHASE3",
        date(2015, 9, 1),
        "month",
        317,
        True,
        "https://clinicaltrials.gov/study/NCT02552212",
        RUN_1,
    )


def test_newest_run_wins_with_its_own_children(built: Settings) -> None:
    trial = query(
        built, "SELECT overall_status, status_group, run_id FROM trials WHERE nct_id = 'NCT01613248'"
    )
    assert trial == [("COMPLETED", "completed", RUN_2)]
    interventions = query(
        built, "SELECT name FROM trial_interventions WHERE nct_id = 'NCT01613248' ORDER BY intervention_idx"
    )
    assert interventions == [("MK-1602",), ("Placebo-matching MK-1602",)]
    per_trial = query(built, "SELECT nct_id, count(*) FROM trial_conditions GROUP BY nct_id ORDER BY nct_id")
    assert per_trial == [("NCT01613248", 1), ("NCT02066415", 1)]
    runs = query(built, "SELECT run_id, n_records, n_current_records FROM warehouse_runs ORDER BY run_id")
    assert runs == [(RUN_1, 4, 3), (RUN_2, 1, 1)]


def test_older_run_wins_when_fetched_later(settings: Settings) -> None:
    """Order is fetched_at first: a re-normalised old run id fetched later is the newer data."""
    from ctgov_parquet_builder import FETCHED_1, FETCHED_2, gepant_trial

    old_status = gepant_trial(
        "ACTIVE_NOT_RECRUITING", "ongoing", with_rescue=True, last_update=date(2014, 2, 1)
    )
    new_status = gepant_trial("COMPLETED", "completed", with_rescue=False, last_update=date(2019, 1, 8))
    write_run(settings.parquet_dir, RUN_2, FETCHED_1, old_status, "a")
    write_run(settings.parquet_dir, RUN_1, FETCHED_2, new_status, "b")
    build_warehouse(settings)
    assert query(settings, "SELECT overall_status, run_id FROM trials") == [("COMPLETED", RUN_1)]
    assert query(settings, "SELECT count(*) FROM trial_interventions")[0][0] == 2


def test_class_without_trials_has_a_zero_row(built: Settings) -> None:
    rows = query(built, "SELECT * FROM evidence WHERE treatment_class = 'triptan'")
    assert rows == [("triptan", "Triptans", None, None, None, 0, 0, 0, 0, 0, None, [], [], 0, 0)]


def test_evidence_counts_and_parent_roll_up(built: Settings) -> None:
    rows = query(
        built,
        "SELECT phase, overall_status, status_group, n_trials, n_with_results, total_enrollment, "
        "latest_update, primary_outcome_measures FROM evidence WHERE treatment_class = 'cgrp'",
    )
    assert rows == [
        (
            "PHASE2",
            "COMPLETED",
            "completed",
            2,
            1,
            667 + 834,
            date(2019, 1, 8),
            ["Change From Baseline in Monthly Migraine Days"],
        )
    ]
    members = query(
        built, "SELECT nct_id FROM evidence_trials WHERE treatment_class = 'cgrp' ORDER BY nct_id"
    )
    assert members == [("NCT01613248",), ("NCT02066415",)]


def test_evidence_trials_row_and_result_summaries(built: Settings) -> None:
    cols = [
        r[0]
        for r in query(
            built,
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'evidence_trials' "
            "ORDER BY column_index",
        )
    ]
    assert cols == [
        "treatment_class",
        "class_label",
        "match_strength",
        "nct_id",
        "title",
        "phase",
        "overall_status",
        "status_group",
        "start_date",
        "primary_completion_date",
        "completion_date",
        "enrollment",
        "primary_outcome_measures",
        "has_results",
        "primary_result_summary",
        "results_route",
        "linked_pmids",
        "primary_endpoints",
        "primary_effect_endpoint",
        "primary_effect_measure",
        "primary_effect_estimate",
        "primary_effect_ci_lower",
        "primary_effect_ci_upper",
        "primary_effect_comparison",
        "primary_effect_control",
        "primary_effect_source",
        "n_primary_effects",
        "last_update_post_date",
        "url",
    ]
    summaries = dict(query(built, "SELECT nct_id, primary_result_summary FROM evidence_trials"))
    assert summaries["NCT02552212"] == (
        "Percentage of Subjects With Ankylosing Spondylitis Disease Activity Score Major Improvement "
        "(ASDAS-MI) Response Criteria Response at Week 52 (Number, percentage of subjects): "
        "Placebo (FAS) 7.0 n=158; CZP 200 mg Q2W (FAS) 47.2 n=159 [p<0.001 (Regression, Logistic)]"
    )
    assert summaries["NCT00763412"] == (
        "BMI (Mean, Kg/m^2): 1 Placebo 19.63 (range 15.56 to 22.64) n=4; "
        "2. Repaglinide 21.19 (range 20.78 to 21.8) n=4 | "
        "Body Composition (Mean, % body mass): 1 Placebo [Fat] 19.82 (range 12 to 37.8) n=4; "
        "1 Placebo [Lean] 77.15 (range 59.54 to 87.84) n=4; "
        "2. Repaglinide [Fat] 26.21 (range 8.78 to 34.26) n=4; "
        "2. Repaglinide [Lean] 70.83 (range 62.82 to 87.8) n=4"
    )
    assert summaries["NCT02066415"] is None


def test_results_and_analyses_tables(built: Settings) -> None:
    row = query(
        built,
        "SELECT outcome_title, param_type, dispersion_type, unit_of_measure, group_title, group_n, "
        "class_title, value, lower_limit, upper_limit FROM trial_results "
        "WHERE nct_id = 'NCT00763412' AND outcome_idx = 1 AND group_id = 'OG001' AND class_title = 'Lean'",
    )
    assert row == [
        (
            "Body Composition",
            "MEAN",
            "Full Range",
            "% body mass",
            "2. Repaglinide",
            4.0,
            "Lean",
            70.83,
            62.82,
            87.8,
        )
    ]
    analysis = query(
        built,
        "SELECT group_titles, p_value, p_value_raw, statistical_method, estimate_type, estimate, "
        "ci_lower_limit, ci_upper_limit FROM trial_result_analyses",
    )
    assert analysis == [
        (
            ["Placebo (FAS)", "CZP 200 mg Q2W (FAS)"],
            0.001,
            "<0.001",
            "Regression, Logistic",
            "Odds Ratio (OR)",
            15.231,
            7.336,
            31.623,
        )
    ]


def test_every_table_and_column_is_commented(built: Settings) -> None:
    tables = dict(query(built, "SELECT table_name, comment FROM duckdb_tables() WHERE NOT temporary"))
    assert set(tables) == ANALYST_TABLES
    assert all(c and c.strip() for c in tables.values()), tables
    columns = query(
        built,
        "SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE database_name = current_database()",
    )
    assert len(columns) > 100
    undocumented = [(t, c) for t, c, comment in columns if not (comment and comment.strip())]
    assert undocumented == []


def test_tables_without_any_partition_build_empty(tmp_path: Path) -> None:
    """A first run where no study has results and nothing was classified still builds."""
    from ctgov_parquet_builder import FETCHED_1, erenumab_trial

    settings = make_settings(tmp_path)
    rows = erenumab_trial()
    write_run(settings.parquet_dir, RUN_1, FETCHED_1, {"trials": rows["trials"], "trial_classes": []}, "x")
    summary = build_warehouse(settings)
    assert summary.n_trials == 1
    assert set(summary.class_counts.values()) == {0}
    assert query(settings, "SELECT count(*) FROM trial_results")[0][0] == 0
    assert query(settings, "SELECT count(*) FROM evidence WHERE n_trials = 0")[0][0] == 6


def test_no_parquet_at_all_builds_an_empty_warehouse(settings: Settings) -> None:
    summary = build_warehouse(settings)
    assert summary.n_trials == 0
    assert summary.runs == ()
    assert query(settings, "SELECT count(*) FROM evidence")[0][0] == len(settings.treatment_classes)
