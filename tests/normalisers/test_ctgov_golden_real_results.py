"""Golden whole rows from real recorded ClinicalTrials.gov studies with results (fixtures ctgov/studies).

Every expected value below was read off the study's JSON by hand. NCT02210780 (dupilumab and vaccine
responses) gives the trial, its protocol lists and two outcome measures: a percentage with a
statistical analysis, and a least-squares mean by class. NCT00763412 gives a mean with a full range,
NCT02552212 an "NA" measurement with its comment and an "=0.247" p-value.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
import pytest

from tests.normalisers.golden import data_rows
from tests.normalisers.golden_ctgov import date_columns as _date
from tests.normalisers.golden_ctgov import recorded_study
from tests.servers.corpus import RecordedCorpus

DUPILUMAB = "NCT02210780"
PLACEBO_QW = (
    "Placebo qw",
    "Two subcutaneous injections of Placebo (for Dupilumab) as a loading dose on Day 1 followed by a single "
    "injection qw from Week 1 to Week 15.",
)
DUPILUMAB_QW = (
    "Dupilumab 300 mg qw",
    "Two subcutaneous injections of Dupilumab 300 mg (for a total of 600 mg) as a loading dose on Day 1, "
    "followed by a single 300 mg injection qw from Week 1 to Week 15.",
)


@pytest.fixture(scope="module")
def dupilumab(corpus: RecordedCorpus) -> dict[str, pa.Table]:
    return recorded_study(corpus, f"studies/{DUPILUMAB}")


def test_dupilumab_trial_and_lists(dupilumab: dict[str, pa.Table]) -> None:
    assert data_rows(dupilumab["trials"]) == [
        {
            "nct_id": DUPILUMAB,
            "brief_title": "Study of Dupilumab and Immune Responses in Adults With Atopic Dermatitis (AD)",
            "official_title": "A Randomized, Double-Blind, Placebo-Controlled, Study Investigating Vaccine "
            "Responses in Adults With Moderate to Severe Atopic Dermatitis Treated With Dupilumab",
            "acronym": None,
            "org_study_id": "R668-AD-1314",
            "overall_status": "COMPLETED",
            "status_group": "completed",
            "why_stopped": None,
            "study_type": "INTERVENTIONAL",
            "phases_raw": ["PHASE2"],
            "phase": "PHASE2",
            "allocation": "RANDOMIZED",
            "intervention_model": "PARALLEL",
            "primary_purpose": "TREATMENT",
            "masking": "TRIPLE",
            "enrollment": 194,
            "enrollment_type": "ACTUAL",
            **_date("start_date", "2014-08-05", date(2014, 8, 5), "day", "ACTUAL"),
            **_date("primary_completion_date", "2015-09-15", date(2015, 9, 15), "day", "ACTUAL"),
            **_date("completion_date", "2015-09-15", date(2015, 9, 15), "day", "ACTUAL"),
            **_date("first_post_date", "2014-08-07", date(2014, 8, 7), "day", "ESTIMATED"),
            **_date("results_first_post_date", "2020-05-07", date(2020, 5, 7), "day", "ACTUAL"),
            **_date("last_update_post_date", "2020-05-07", date(2020, 5, 7), "day", "ACTUAL"),
            "lead_sponsor": "Regeneron Pharmaceuticals",
            "lead_sponsor_class": "INDUSTRY",
            "brief_summary": "This was a 32-week, randomized, double-blind, placebo-controlled, "
            "parallel-group "
            "study assessing immunization responses to vaccination in adults with moderate to severe atopic "
            "dermatitis who are treated with subcutaneous dupilumab.",
            "keywords": None,
            "has_results": True,
            "unknown_values": [],
            "content_sha256": "bd73beb1b094e0182693d2489b0f2c4d5ff0b1c4c8ef9bffbd85c48374725b6e",
        }
    ]
    assert data_rows(dupilumab["conditions"]) == [
        {"nct_id": DUPILUMAB, "condition_idx": 0, "condition": "Atopic Dermatitis"}
    ]
    assert data_rows(dupilumab["interventions"]) == [
        {
            "nct_id": DUPILUMAB,
            "intervention_idx": 0,
            "intervention_type": "DRUG",
            "name": "Dupilumab",
            "description": "Administered via subcutaneous injection.",
            "other_names": ["REGN668", "SAR231893", "Dupixent"],
            "arm_group_labels": ["Dupilumab 300 mg qw"],
        },
        {
            "nct_id": DUPILUMAB,
            "intervention_idx": 1,
            "intervention_type": "DRUG",
            "name": "Placebo",
            "description": "An inactive substance containing no medicine administered via subcutaneous "
            "injection.",
            "other_names": None,
            "arm_group_labels": ["Placebo qw"],
        },
    ]
    assert data_rows(dupilumab["arms"]) == [
        {
            "nct_id": DUPILUMAB,
            "arm_idx": idx,
            "label": label,
            "arm_type": "EXPERIMENTAL",
            "description": description,
            "intervention_names": [names],
        }
        for idx, (label, description), names in (
            (0, PLACEBO_QW, "Drug: Placebo"),
            (1, DUPILUMAB_QW, "Drug: Dupilumab"),
        )
    ]
    assert dupilumab["references"].num_rows == 0


def test_dupilumab_design_outcomes(dupilumab: dict[str, pa.Table]) -> None:
    rows = data_rows(dupilumab["design_outcomes"])
    assert [(r["outcome_kind"], r["outcome_idx"]) for r in rows] == [("primary", 0)] + [
        ("secondary", i) for i in range(10)
    ]
    assert rows[0] == {
        "nct_id": DUPILUMAB,
        "outcome_kind": "primary",
        "outcome_idx": 0,
        "measure": "Percentage of Participants With a Positive Response (≥4-Fold Increase) to Tetanus Toxoid "
        "(the Adacel [Tdap] Vaccine) at Week 16",
        "description": "A positive response was defined as a ≥ 4-fold increase from pre-vaccination at "
        "baseline "
        "in anti-tetanus immunoglobulin G (IgG) titer for participants with a pre-vaccination tetanus "
        "antibody "
        "titers ≥ 0.1 IU/ml or a titer of ≥ 0.2 IU/ml for participants with pre-vaccination titers of \\<0.1 "
        "IU/ml. There was no planned statistical hypothesis testing regarding the difference in immune "
        "response between the 2 treatment groups for this study, therefore no formal statistical hypothesis "
        "between groups was performed.",
        "time_frame": "Week 16",
    }
    assert rows[-1] == {
        "nct_id": DUPILUMAB,
        "outcome_kind": "secondary",
        "outcome_idx": 9,
        "measure": "Change in Patient Oriented Eczema Measure (POEM) Score From Baseline to Week 16",
        "description": "The POEM was a 7-item questionnaire that assesses disease symptoms (dryness, "
        "itching, "
        "flaking, cracking, sleep loss, bleeding and weeping) with a scoring system of 0 (absent disease) to "
        "28 (severe disease) (high score indicative of poor quality of life \\[QOL\\]). Values after first "
        "rescue medication use were set to missing and missing values were imputed by LOCF.",
        "time_frame": "Baseline to Week 16",
    }


def _measurement(nct_id: str, outcome_idx: int, group_id: str, **values: Any) -> dict[str, Any]:
    """A whole measurement row: the columns not named in ``values`` are null."""
    row = {"nct_id": nct_id, "outcome_idx": outcome_idx, "group_id": group_id}
    columns = ("class_title", "category_title", "value_raw", "value", "spread_raw", "spread")
    columns += ("lower_limit_raw", "lower_limit", "upper_limit_raw", "upper_limit", "comment")
    return {**row, **{column: values.pop(column, None) for column in columns}, **values}


def _groups(nct_id: str, outcome_idx: int, *groups: tuple[str, tuple[str, str], str]) -> list[dict[str, Any]]:
    return [
        {
            "nct_id": nct_id,
            "outcome_idx": outcome_idx,
            "group_id": group_id,
            "title": title,
            "description": description,
            "denom_units": "Participants",
            "denom_value_raw": raw,
            "denom_value": float(raw),
        }
        for group_id, (title, description), raw in groups
    ]


def test_dupilumab_percentage_outcome_with_analysis(dupilumab: dict[str, pa.Table]) -> None:
    assert data_rows(dupilumab["result_outcomes"], outcome_idx=3) == [
        {
            "nct_id": DUPILUMAB,
            "outcome_idx": 3,
            "outcome_type": "SECONDARY",
            "title": "Percentage of Participants Achieving an Investigator's Global Assessment (IGA) Score "
            "of "
            '"0" or "1" at Week 16',
            "description": "IGA was an assessment scale used to determine severity of AD and clinical "
            "response to "
            "treatment on a 5-point scale (0 = clear; 1 = almost clear; 2 = mild; 3 = moderate; 4 = severe) "
            "based "
            "on erythema and papulation/infiltration. Therapeutic response was an IGA score of 0 (clear) or "
            "1 "
            "(almost clear). Values after first rescue treatment were set to missing and participants with "
            "missing IGA scores at Week 16 were counted as non-responders.",
            "population_description": "Full analysis set (FAS) that included all randomized participants.",
            "reporting_status": "POSTED",
            "param_type": "NUMBER",
            "dispersion_type": None,
            "unit_of_measure": "Percentage of participants",
            "time_frame": "Week 16",
        }
    ]
    assert data_rows(dupilumab["result_groups"], outcome_idx=3) == _groups(
        DUPILUMAB, 3, ("OG000", PLACEBO_QW, "97"), ("OG001", DUPILUMAB_QW, "97")
    )
    assert data_rows(dupilumab["result_measurements"], outcome_idx=3) == [
        _measurement(DUPILUMAB, 3, "OG000", value_raw="10.3", value=10.3),
        _measurement(DUPILUMAB, 3, "OG001", value_raw="44.3", value=44.3),
    ]
    assert data_rows(dupilumab["result_analyses"], outcome_idx=3) == [
        {
            "nct_id": DUPILUMAB,
            "outcome_idx": 3,
            "analysis_idx": 0,
            "group_ids": ["OG000", "OG001"],
            "group_description": (
                "Analysis was performed using Cochran-Mantel-Haenszel test stratified by randomiz"
                "ation strata (moderate \\[IGA=3\\] vs. severe \\[IGA=4\\] AD)."
            ),
            "p_value_raw": "<0.0001",
            "p_value": 0.0001,
            "p_value_comment": None,
            "statistical_method": "Cochran-Mantel-Haenszel",
            "statistical_comment": None,
            "param_type": "Percentage Difference",
            "param_value_raw": "34.0",
            "param_value": 34.0,
            "dispersion_type": None,
            "dispersion_value_raw": None,
            "dispersion_value": None,
            "ci_pct_value": 90.0,
            "ci_num_sides": "TWO_SIDED",
            "ci_lower_limit_raw": "24.29",
            "ci_lower_limit": 24.29,
            "ci_upper_limit_raw": "43.75",
            "ci_upper_limit": 43.75,
            "non_inferiority_type": "SUPERIORITY",
            "estimate_comment": "Dupilumab 300 mg qw vs. Placebo qw",
        }
    ]


def test_dupilumab_mean_by_class(dupilumab: dict[str, pa.Table]) -> None:
    assert data_rows(dupilumab["result_outcomes"], outcome_idx=8) == [
        {
            "nct_id": DUPILUMAB,
            "outcome_idx": 8,
            "outcome_type": "SECONDARY",
            "title": "Change From Baseline in Global Individual Signs Score (GISS) Components (Erythema, "
            "Infiltration/Papulation, Excoriations and Lichenification) at Week 16",
            "description": "Individual components of the AD lesions (erythema, infiltration/papulation, "
            "excoriations, and lichenification) were rated globally (each assessed for the whole body, not "
            "by "
            "anatomical region) on a 4-point scale (0 = none, 1 = mild, 2 = moderate and 3 = severe) using "
            "the "
            "EASI severity grading criteria. Total score ranges from 0 (absent disease) to 12 (severe "
            "disease). "
            "Values after first rescue treatment were set to missing. Analysis was completed using MMRM "
            "model "
            "which includes treatment, randomization strata, visit, baseline value, treatment-by-visit "
            "interaction, and baseline-by-visit interaction as covariates. These results are observed "
            "results "
            "without imputation.",
            "population_description": "Full analysis set (FAS) that included all randomized participants. "
            "Here, "
            "number of participants analyzed=participants with available data for this endpoint.",
            "reporting_status": "POSTED",
            "param_type": "LEAST_SQUARES_MEAN",
            "dispersion_type": "Standard Error",
            "unit_of_measure": "Units on a scale",
            "time_frame": "Baseline to Week 16",
        }
    ]
    # Class-level denominators (79 and 87 analysed) are not a column: the outcome's own are kept.
    assert data_rows(dupilumab["result_groups"], outcome_idx=8) == _groups(
        DUPILUMAB, 8, ("OG000", PLACEBO_QW, "97"), ("OG001", DUPILUMAB_QW, "97")
    )
    measured = [
        ("Erythema", "-0.4", "0.08", "-0.9", "0.08"),
        ("Infiltration/Papulation", "-0.4", "0.08", "-1.1", "0.08"),
        ("Excoriations", "-0.5", "0.09", "-1.2", "0.08"),
        ("Lichenification", "-0.4", "0.09", "-1.0", "0.09"),
    ]
    assert data_rows(dupilumab["result_measurements"], outcome_idx=8) == [
        row
        for title, placebo, placebo_se, dupi, dupi_se in measured
        for row in (
            _measurement(
                DUPILUMAB, 8, "OG000", class_title=title, value_raw=placebo, value=float(placebo),
                spread_raw=placebo_se, spread=float(placebo_se),
            ),
            _measurement(
                DUPILUMAB, 8, "OG001", class_title=title, value_raw=dupi, value=float(dupi),
                spread_raw=dupi_se, spread=float(dupi_se),
            ),
        )
    ]  # fmt: skip


def test_dupilumab_row_counts(dupilumab: dict[str, pa.Table]) -> None:
    counts = {name: table.num_rows for name, table in dupilumab.items()}
    assert counts == {
        "trials": 1,
        "conditions": 1,
        "interventions": 2,
        "arms": 2,
        "design_outcomes": 11,
        "result_outcomes": 11,
        "result_groups": 22,
        "result_measurements": 28,
        "result_analyses": 7,
        "references": 0,
        "intervention_mesh": 0,  # its interventionBrowseModule has browseLeaves only
    }


def test_mean_with_full_range(corpus: RecordedCorpus) -> None:
    tables = recorded_study(corpus, "studies/NCT00763412")
    assert data_rows(tables["result_outcomes"], outcome_idx=0) == [
        {
            "nct_id": "NCT00763412",
            "outcome_idx": 0,
            "outcome_type": "PRIMARY",
            "title": "BMI",
            "description": None,
            "population_description": None,
            "reporting_status": "POSTED",
            "param_type": "MEAN",
            "dispersion_type": "Full Range",
            "unit_of_measure": "Kg/m^2",
            "time_frame": "2 year/end of study",
        }
    ]
    placebo = (
        "1 Placebo",
        "1 pill before each meal 3-4 times a day for 2 years.\n\nplacebo: CF pancreatic insufficient "
        "patients "
        "with prediabetes by OGTT will be treated with placebo by taking 1 pill before each meal that "
        "contains "
        "more than 20 grams of carbohydrate 3-4 times a day for 2 years.",
    )
    repaglinide = (
        "2. Repaglinide",
        "repaglinide 0.5 mg before each meal 3-4 times a day for 2 years.\n\nrepaglinide: CF pancreatic "
        "insufficient patients with prediabetes by OGTT will be treated with repaglinide 0.5 mg before each "
        "meal that contains more than 20 grams of carbohydrate 3-4 times a day for 2 years.",
    )
    assert data_rows(tables["result_groups"], outcome_idx=0) == _groups(
        "NCT00763412", 0, ("OG000", placebo, "4"), ("OG001", repaglinide, "4")
    )
    assert data_rows(tables["result_measurements"], outcome_idx=0) == [
        _measurement(
            "NCT00763412", 0, "OG000", value_raw="19.63", value=19.63,
            lower_limit_raw="15.56", lower_limit=15.56, upper_limit_raw="22.64", upper_limit=22.64,
        ),
        _measurement(
            "NCT00763412", 0, "OG001", value_raw="21.19", value=21.19,
            lower_limit_raw="20.78", lower_limit=20.78, upper_limit_raw="21.8", upper_limit=21.8,
        ),
    ]  # fmt: skip
    assert tables["result_analyses"].num_rows == 0


def test_na_measurement_and_equals_p_value(corpus: RecordedCorpus) -> None:
    tables = recorded_study(corpus, "studies/NCT02552212")
    assert data_rows(tables["result_measurements"], outcome_idx=10) == [
        _measurement(
            "NCT02552212", 10, "OG000", value_raw="0.2", value=0.2,
            lower_limit_raw="0.1", lower_limit=0.1, upper_limit_raw="0.7", upper_limit=0.7,
        ),
        _measurement(
            "NCT02552212", 10, "OG001", value_raw="NA", lower_limit_raw="NA", upper_limit_raw="NA",
            comment="Values were below the level of quantification.",
        ),
    ]  # fmt: skip
    assert data_rows(tables["result_analyses"], outcome_idx=27) == [
        {
            "nct_id": "NCT02552212",
            "outcome_idx": 27,
            "analysis_idx": 0,
            "group_ids": ["OG000", "OG001"],
            "group_description": (
                "Odds ratio: CZP/PBO and p-value were calculated using logistic regression with f"
                "actors for treatment, region and MRI/CRP classification."
            ),
            "p_value_raw": "=0.247",
            "p_value": 0.247,
            "p_value_comment": None,
            "statistical_method": "Regression, Logistic",
            "statistical_comment": None,
            "param_type": "Odds Ratio (OR)",
            "param_value_raw": "0.484",
            "param_value": 0.484,
            "dispersion_type": None,
            "dispersion_value_raw": None,
            "dispersion_value": None,
            "ci_pct_value": 95.0,
            "ci_num_sides": "TWO_SIDED",
            "ci_lower_limit_raw": "0.142",
            "ci_lower_limit": 0.142,
            "ci_upper_limit_raw": "1.653",
            "ci_upper_limit": 1.653,
            "non_inferiority_type": "OTHER",
            "estimate_comment": None,
        }
    ]
