"""Writes small ClinicalTrials.gov Parquet runs with the real Arrow schemas, for warehouse tests.

Values are transcribed by hand from the recorded responses in shared/fixtures/ctgov (migraine/ and
studies/NCT00763412.json, studies/NCT02552212.json); the normaliser is tested on its own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import Settings
from pipeline.parquet.stamp import stamped
from pipeline.parquet.writer import PartitionWriter, partition_dir
from pipeline.sources.ctgov.normalise.schemas import TABLES, TRIAL_CLASSES
from pipeline.sources.ctgov.outcomes import OUTCOMES

SCHEMAS: dict[str, pa.Schema] = {**TABLES, "trial_classes": TRIAL_CLASSES}
RUN_1 = "20260101T030000Z-aaaa"
RUN_2 = "20260201T030000Z-bbbb"
FETCHED_1 = datetime(2026, 1, 1, 3, 5, tzinfo=UTC)
FETCHED_2 = datetime(2026, 2, 1, 3, 5, tzinfo=UTC)

Rows = dict[str, list[dict[str, Any]]]


def write_partition(
    parquet_dir: Path,
    table: str,
    run_id: str,
    rows: list[dict[str, Any]],
    fetched_at: datetime,
    data_timestamp: str = "2026-01-01T01:00:00",
) -> Path:
    """One run's partition of one table, laid out as the normaliser does."""
    full = [{**r, "run_id": run_id, "fetched_at": fetched_at, "data_timestamp": data_timestamp} for r in rows]
    folder = parquet_dir / "ctgov" / table / f"run_id={run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "part-00000.parquet"
    pq.write_table(pa.Table.from_pylist(full, schema=SCHEMAS[table]), path)
    return path


def write_run(
    parquet_dir: Path,
    run_id: str,
    fetched_at: datetime,
    tables: Rows,
    data_timestamp: str,
    settings: Settings | None = None,
) -> None:
    """Every table given gets a partition (an empty list writes an empty file, as for a run with none);
    a run with trials also gets the outcome partitions a refresh derives (``settings``' taxonomy)."""
    for table, rows in tables.items():
        write_partition(parquet_dir, table, run_id, rows, fetched_at, data_timestamp)
    if "trials" in tables:
        write_outcomes(parquet_dir, run_id, settings)


def write_outcomes(parquet_dir: Path, run_id: str, settings: Settings | None = None) -> None:
    """What ``steps.derive`` writes for the run, from the tables written (a table the test did not write
    reads as empty); ``settings`` without an endpoint taxonomy (the default) gives empty, stamped tables."""
    settings = settings or make_settings(parquet_dir.parent.parent)
    root = parquet_dir / "ctgov"
    inputs = {}
    for table in OUTCOMES.inputs:
        folder = partition_dir(root, table, run_id)
        inputs[table] = (
            pq.read_table(folder, partitioning=None) if folder.is_dir() else TABLES[table].empty_table()
        )
    derived = OUTCOMES.derive(settings, inputs)
    schemas = {t: stamped(schema, OUTCOMES.config_digest(settings)) for t, schema in OUTCOMES.tables.items()}
    with PartitionWriter(root, run_id, schemas) as writer:
        writer.write(derived)


def make_settings(tmp_path: Path, **classes: dict[str, Any]) -> Settings:
    return Settings.model_validate(
        {
            "storage": {"data_dir": str(tmp_path / "data")},
            "warehouse": {"path": str(tmp_path / "warehouse" / "evidence.duckdb")},
            "export": {"csv_path": str(tmp_path / "exports" / "evidence_trials.csv")},
            "treatment_classes": classes or CLASSES,
        }
    )


CLASSES: dict[str, dict[str, Any]] = {
    "cgrp": {"label": "CGRP-targeted therapies", "terms": ["cgrp"]},
    "cgrp_mab": {"label": "Anti-CGRP monoclonal antibodies", "terms": ["erenumab"], "parent": "cgrp"},
    "gepant": {"label": "Gepants", "terms": ["mk-1602", "ubrogepant"], "parent": "cgrp"},
    "triptan": {"label": "Triptans", "terms": ["sumatriptan"]},
    "tnf_inhibitor": {"label": "TNF inhibitors (results fixture)", "terms": ["certolizumab"]},
    "meglitinide": {"label": "Meglitinides (results fixture)", "terms": ["repaglinide"]},
}


def trial(nct_id: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "nct_id": nct_id,
        "status_group": "completed",
        "overall_status": "COMPLETED",
        "study_type": "INTERVENTIONAL",
        "has_results": False,
    }
    row.update(values)
    return row


def design_outcome(nct_id: str, idx: int, measure: str, kind: str = "primary") -> dict[str, Any]:
    return {"nct_id": nct_id, "outcome_kind": kind, "outcome_idx": idx, "measure": measure}


def trial_class(nct_id: str, cls: str, term: str, text: str) -> dict[str, Any]:
    return {
        "nct_id": nct_id,
        "treatment_class": cls,
        "matched_field": "intervention.name",
        "matched_term": term,
        "matched_text": text,
    }


def erenumab_trial() -> Rows:
    nct = "NCT02066415"
    return {
        "trials": [
            trial(
                nct,
                brief_title="A Study to Evaluate the Efficacy and Safety of Erenumab (AMG 334) in Chronic "
                "Migraine Prevention",
                phases_raw=["PHASE2"],
                phase="PHASE2",
                allocation="RANDOMIZED",
                enrollment=667,
                enrollment_type="ACTUAL",
                start_date_raw="2014-03-05",
                start_date=date(2014, 3, 5),
                start_date_precision="day",
                start_date_type="ACTUAL",
                primary_completion_date=date(2016, 2, 24),
                completion_date=date(2016, 4, 28),
                last_update_post_date=date(2018, 6, 21),
                lead_sponsor="Amgen",
                has_results=True,
            )
        ],
        "conditions": [
            {"nct_id": nct, "condition_idx": 0, "condition": "Treatment for Prevention of Chronic Migraine"}
        ],
        "interventions": [
            {"nct_id": nct, "intervention_idx": 0, "intervention_type": "BIOLOGICAL", "name": "Erenumab"},
            {"nct_id": nct, "intervention_idx": 1, "intervention_type": "DRUG", "name": "Placebo"},
        ],
        "design_outcomes": [design_outcome(nct, 0, "Change From Baseline in Monthly Migraine Days")],
        "trial_classes": [trial_class(nct, "cgrp_mab", "erenumab", "Erenumab")],
    }


def gepant_trial(status: str, status_group: str, with_rescue: bool, last_update: date) -> Rows:
    nct = "NCT01613248"
    names = ["MK-1602", "Placebo-matching MK-1602"] + (["Rescue medication"] if with_rescue else [])
    return {
        "trials": [
            trial(
                nct,
                brief_title="A Dose-Finding Study of MK-1602 in the Treatment of Acute Migraine "
                "(MK-1602-006)",
                overall_status=status,
                status_group=status_group,
                phases_raw=["PHASE2"],
                phase="PHASE2",
                enrollment=834,
                first_post_date=date(2012, 6, 7),
                last_update_post_date=last_update,
            )
        ],
        "conditions": [{"nct_id": nct, "condition_idx": 0, "condition": "Migraine"}],
        "interventions": [
            {"nct_id": nct, "intervention_idx": i, "intervention_type": "DRUG", "name": n}
            for i, n in enumerate(names)
        ],
        "design_outcomes": [design_outcome(nct, 0, "Change From Baseline in Monthly Migraine Days")],
        "trial_classes": [trial_class(nct, "gepant", "mk-1602", "MK-1602")],
    }


def certolizumab_trial() -> Rows:
    """NCT02552212: a posted primary outcome with a p-value (not migraine: a results fixture)."""
    nct = "NCT02552212"
    title = (
        "Percentage of Subjects With Ankylosing Spondylitis Disease Activity Score Major Improvement "
        "(ASDAS-MI) Response Criteria Response at Week 52"
    )
    groups = [("OG000", "Placebo (FAS)", "158", "7.0"), ("OG001", "CZP 200 mg Q2W (FAS)", "159", "47.2")]
    return {
        "trials": [
            trial(
                nct,
                brief_title="Multicenter Study Evaluating Certolizumab Pegol Compared to Placebo in Subjects "
                "With axSpA Without X-ray Evidence of AS",
                phases_raw=["PHASE3"],
                phase="PHASE3",
                enrollment=317,
                start_date_raw="2015-09",
                start_date=date(2015, 9, 1),
                start_date_precision="month",
                primary_completion_date=date(2018, 5, 1),
                last_update_post_date=date(2022, 8, 18),
                has_results=True,
            )
        ],
        "interventions": [
            {
                "nct_id": nct,
                "intervention_idx": 0,
                "intervention_type": "BIOLOGICAL",
                "name": "Certolizumab Pegol",
            },
            {"nct_id": nct, "intervention_idx": 1, "intervention_type": "OTHER", "name": "Placebo"},
        ],
        "design_outcomes": [design_outcome(nct, 0, title)],
        "result_outcomes": [
            {
                "nct_id": nct,
                "outcome_idx": 0,
                "outcome_type": "PRIMARY",
                "title": title,
                "reporting_status": "POSTED",
                "param_type": "NUMBER",
                "unit_of_measure": "percentage of subjects",
                "time_frame": "Week 52",
            }
        ],
        "result_groups": [
            {
                "nct_id": nct,
                "outcome_idx": 0,
                "group_id": g,
                "title": t,
                "denom_units": "Participants",
                "denom_value_raw": n,
                "denom_value": float(n),
            }
            for g, t, n, _ in groups
        ],
        "result_measurements": [
            {"nct_id": nct, "outcome_idx": 0, "group_id": g, "value_raw": v, "value": float(v)}
            for g, _, _, v in groups
        ],
        "result_analyses": [
            {
                "nct_id": nct,
                "outcome_idx": 0,
                "analysis_idx": 0,
                "group_ids": ["OG000", "OG001"],
                "p_value_raw": "<0.001",
                "p_value": 0.001,
                "statistical_method": "Regression, Logistic",
                "param_type": "Odds Ratio (OR)",
                "param_value_raw": "15.231",
                "param_value": 15.231,
                "ci_pct_value": 95.0,
                "ci_num_sides": "TWO_SIDED",
                "ci_lower_limit_raw": "7.336",
                "ci_lower_limit": 7.336,
                "ci_upper_limit_raw": "31.623",
                "ci_upper_limit": 31.623,
                "non_inferiority_type": "OTHER",
            }
        ],
        "references": [
            {
                "nct_id": nct,
                "reference_idx": 0,
                "pmid": "35296532",
                "reference_type": "RESULT",
                "citation": "van der Heijde D, Gensler LS, Maksymowych WP, et al. Long-term safety and "
                "clinical outcomes of certolizumab pegol treatment in patients with active "
                "non-radiographic axial spondyloarthritis: 3-year results from the phase 3 C-axSpAnd "
                "study. RMD Open. 2022 Mar;8(1):e002138.",
            }
        ],
        "trial_classes": [trial_class(nct, "tnf_inhibitor", "certolizumab", "Certolizumab Pegol")],
    }


def repaglinide_trial() -> Rows:
    """NCT00763412: posted primary outcomes with full-range limits and classes (Fat / Lean)."""
    nct = "NCT00763412"
    groups = [("OG000", "1 Placebo"), ("OG001", "2. Repaglinide")]
    outcomes = [(0, "BMI", "Kg/m^2"), (1, "Body Composition", "% body mass")]
    measurements = [
        (0, "OG000", None, "19.63", "15.56", "22.64"),
        (0, "OG001", None, "21.19", "20.78", "21.8"),
        (1, "OG000", "Fat", "19.82", "12", "37.8"),
        (1, "OG001", "Fat", "26.21", "8.78", "34.26"),
        (1, "OG000", "Lean", "77.15", "59.54", "87.84"),
        (1, "OG001", "Lean", "70.83", "62.82", "87.8"),
    ]
    return {
        "trials": [
            trial(
                nct,
                brief_title="Pilot and Feasibility Study for the Treatment of Pre-diabetes in Patients "
                "With Cystic Fibrosis",
                phases_raw=["NA"],
                phase="NA",
                enrollment=31,
                start_date=date(2006, 11, 1),
                start_date_precision="month",
                completion_date=date(2013, 1, 1),
                last_update_post_date=date(2017, 6, 5),
                has_results=True,
            )
        ],
        "interventions": [
            {"nct_id": nct, "intervention_idx": 0, "intervention_type": "DRUG", "name": "placebo"},
            {
                "nct_id": nct,
                "intervention_idx": 1,
                "intervention_type": "DRUG",
                "name": "repaglinide",
                "other_names": ["Prandin"],
                "arm_group_labels": ["2. repaglinide"],
            },
        ],
        "arms": [
            {
                "nct_id": nct,
                "arm_idx": 0,
                "label": "1 Placebo",
                "arm_type": "PLACEBO_COMPARATOR",
                "intervention_names": ["Drug: placebo"],
            },
            {
                "nct_id": nct,
                "arm_idx": 1,
                "label": "2. repaglinide",
                "arm_type": "EXPERIMENTAL",
                "intervention_names": ["Drug: repaglinide"],
            },
        ],
        "design_outcomes": [
            design_outcome(nct, 0, "BMI"),
            design_outcome(nct, 1, "Body Composition"),
            design_outcome(nct, 0, "Glucose Tolerance", kind="secondary"),
        ],
        "result_outcomes": [
            {
                "nct_id": nct,
                "outcome_idx": i,
                "outcome_type": "PRIMARY",
                "title": t,
                "reporting_status": "POSTED",
                "param_type": "MEAN",
                "dispersion_type": "Full Range",
                "unit_of_measure": u,
                "time_frame": "2 year/end of study",
            }
            for i, t, u in outcomes
        ],
        "result_groups": [
            {
                "nct_id": nct,
                "outcome_idx": i,
                "group_id": g,
                "title": t,
                "denom_units": "Participants",
                "denom_value_raw": "4",
                "denom_value": 4.0,
            }
            for i, _, _ in outcomes
            for g, t in groups
        ],
        "result_measurements": [
            {
                "nct_id": nct,
                "outcome_idx": i,
                "group_id": g,
                "class_title": c,
                "value_raw": v,
                "value": float(v),
                "lower_limit_raw": lo,
                "lower_limit": float(lo),
                "upper_limit_raw": hi,
                "upper_limit": float(hi),
            }
            for i, g, c, v, lo, hi in measurements
        ],
        "trial_classes": [trial_class(nct, "meglitinide", "repaglinide", "repaglinide")],
    }


def merge(*parts: Rows) -> Rows:
    out: Rows = {}
    for part in parts:
        for table, rows in part.items():
            out.setdefault(table, []).extend(rows)
    return out


def first_run() -> Rows:
    """Four trials; the gepant trial is still active with three interventions."""
    return merge(
        erenumab_trial(),
        gepant_trial("ACTIVE_NOT_RECRUITING", "ongoing", with_rescue=True, last_update=date(2014, 2, 1)),
        certolizumab_trial(),
        repaglinide_trial(),
    )


def second_run() -> Rows:
    """An incremental run: only the gepant trial, now completed and without its rescue medication."""
    return gepant_trial("COMPLETED", "completed", with_rescue=False, last_update=date(2019, 1, 8))


def write_two_runs(parquet_dir: Path) -> None:
    write_run(parquet_dir, RUN_1, FETCHED_1, first_run(), "2025-12-31T22:00:00")
    write_run(parquet_dir, RUN_2, FETCHED_2, second_run(), "2026-01-31T22:00:00")
