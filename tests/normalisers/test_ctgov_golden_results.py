"""Golden whole rows of the ClinicalTrials.gov results tables, from the in-repo hand-written page.

Only the first study of tests/fixtures/ctgov/studies_page.json has a resultsSection: two outcome
measures, one a percentage with a confidence interval, one a mean by class and category with an "NA"
value; each has one statistical analysis.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.parquet.provenance import Provenance
from pipeline.sources.ctgov.normalise.tables import PageTables, build_page_tables
from tests.normalisers.golden import IN_REPO_FIXTURES, data_rows

PROV = Provenance("20260301T000000Z-0a0b", datetime(2026, 3, 1, 6, 30, tzinfo=UTC), None)
PAGE = IN_REPO_FIXTURES / "ctgov" / "studies_page.json"
A = "NCT99000001"
GEPANT = ("Gepant 75 mg", "One 75 mg tablet.")
PLACEBO = ("Placebo", "One matching placebo tablet.")


@pytest.fixture(scope="module")
def page() -> PageTables:
    return build_page_tables(PAGE.read_bytes(), PROV, str(PAGE))


def test_result_outcomes(page: PageTables) -> None:
    assert data_rows(page.tables["result_outcomes"]) == [
        {
            "nct_id": A,
            "outcome_idx": 0,
            "outcome_type": "PRIMARY",
            "title": "Percentage of Participants With Pain Freedom at 2 Hours Post-dose",
            "description": "No headache pain 2 hours after the dose.",
            "population_description": "Modified intention-to-treat population.",
            "reporting_status": "POSTED",
            "param_type": "NUMBER",
            "dispersion_type": None,
            "unit_of_measure": "percentage of participants",
            "time_frame": "2 hours post-dose",
        },
        {
            "nct_id": A,
            "outcome_idx": 1,
            "outcome_type": "SECONDARY",
            "title": "Change From Baseline in Pain Score at 2 Hours Post-dose",
            "description": "Pain rated 0 (none) to 3 (severe).",
            "population_description": None,
            "reporting_status": "POSTED",
            "param_type": "MEAN",
            "dispersion_type": "Standard Deviation",
            "unit_of_measure": "units on a scale",
            "time_frame": "Baseline, 2 hours post-dose",
        },
    ]


def _group(
    outcome_idx: int, group_id: str, group: tuple[str, str], units: str, raw: str, value: float
) -> dict:
    title, description = group
    return {
        "nct_id": A,
        "outcome_idx": outcome_idx,
        "group_id": group_id,
        "title": title,
        "description": description,
        "denom_units": units,
        "denom_value_raw": raw,
        "denom_value": value,
    }


def test_result_groups(page: PageTables) -> None:
    assert data_rows(page.tables["result_groups"]) == [
        _group(0, "OG000", GEPANT, "Participants", "205", 205.0),
        _group(0, "OG001", PLACEBO, "Participants", "207", 207.0),
        # A group with two denominators (participants and attacks) gets a row for each.
        _group(1, "OG000", GEPANT, "Participants", "205", 205.0),
        _group(1, "OG000", GEPANT, "Attacks", "198", 198.0),
        _group(1, "OG001", PLACEBO, "Participants", "207", 207.0),
    ]


def test_result_measurements(page: PageTables) -> None:
    assert data_rows(page.tables["result_measurements"]) == [
        {
            "nct_id": A,
            "outcome_idx": 0,
            "group_id": "OG000",
            "class_title": None,
            "category_title": None,
            "value_raw": "21.2",
            "value": 21.2,
            "spread_raw": None,
            "spread": None,
            "lower_limit_raw": "15.6",
            "lower_limit": 15.6,
            "upper_limit_raw": "26.8",
            "upper_limit": 26.8,
            "comment": None,
        },
        {
            "nct_id": A,
            "outcome_idx": 0,
            "group_id": "OG001",
            "class_title": None,
            "category_title": None,
            "value_raw": "10.9",
            "value": 10.9,
            "spread_raw": None,
            "spread": None,
            "lower_limit_raw": "6.6",
            "lower_limit": 6.6,
            "upper_limit_raw": "15.2",
            "upper_limit": 15.2,
            "comment": None,
        },
        {
            "nct_id": A,
            "outcome_idx": 1,
            "group_id": "OG000",
            "class_title": "Migraine with aura",
            "category_title": "Moderate baseline pain",
            "value_raw": "-1.4",
            "value": -1.4,
            "spread_raw": "0.9",
            "spread": 0.9,
            "lower_limit_raw": None,
            "lower_limit": None,
            "upper_limit_raw": None,
            "upper_limit": None,
            "comment": None,
        },
        {
            "nct_id": A,
            "outcome_idx": 1,
            "group_id": "OG001",
            "class_title": "Migraine with aura",
            "category_title": "Moderate baseline pain",
            "value_raw": "-0.8",
            "value": -0.8,
            "spread_raw": "1.1",
            "spread": 1.1,
            "lower_limit_raw": None,
            "lower_limit": None,
            "upper_limit_raw": None,
            "upper_limit": None,
            "comment": None,
        },
        {
            "nct_id": A,
            "outcome_idx": 1,
            "group_id": "OG000",
            "class_title": "Migraine with aura",
            "category_title": "Severe baseline pain",
            "value_raw": "NA",
            "value": None,
            "spread_raw": "NA",
            "spread": None,
            "lower_limit_raw": None,
            "lower_limit": None,
            "upper_limit_raw": None,
            "upper_limit": None,
            "comment": "Too few participants to estimate.",
        },
        {
            "nct_id": A,
            "outcome_idx": 1,
            "group_id": "OG001",
            "class_title": "Migraine with aura",
            "category_title": "Severe baseline pain",
            "value_raw": "-0.6",
            "value": -0.6,
            "spread_raw": "1.0",
            "spread": 1.0,
            "lower_limit_raw": None,
            "lower_limit": None,
            "upper_limit_raw": None,
            "upper_limit": None,
            "comment": None,
        },
    ]


def test_result_analyses(page: PageTables) -> None:
    assert data_rows(page.tables["result_analyses"]) == [
        {
            "nct_id": A,
            "outcome_idx": 0,
            "analysis_idx": 0,
            "group_ids": ["OG000", "OG001"],
            "group_description": "Gepant compared with placebo.",
            "p_value_raw": "<0.001",
            "p_value": 0.001,
            "p_value_comment": "Two-sided, not adjusted for multiplicity.",
            "statistical_method": "Cochran-Mantel-Haenszel",
            "statistical_comment": None,
            "param_type": "Risk Difference (RD)",
            "param_value_raw": "10.3",
            "param_value": 10.3,
            "dispersion_type": None,
            "dispersion_value_raw": None,
            "dispersion_value": None,
            "ci_pct_value": 95.0,
            "ci_num_sides": "TWO_SIDED",
            "ci_lower_limit_raw": "3.2",
            "ci_lower_limit": 3.2,
            "ci_upper_limit_raw": "17.4",
            "ci_upper_limit": 17.4,
            "non_inferiority_type": "SUPERIORITY",
            "estimate_comment": "Gepant minus placebo.",
        },
        {
            "nct_id": A,
            "outcome_idx": 1,
            "analysis_idx": 0,
            "group_ids": ["OG000", "OG001"],
            "group_description": None,
            "p_value_raw": "0.04",
            "p_value": 0.04,
            "p_value_comment": None,
            "statistical_method": "ANCOVA",
            "statistical_comment": "Baseline pain as covariate.",
            "param_type": "Mean Difference (Final Values)",
            "param_value_raw": "-0.6",
            "param_value": -0.6,
            "dispersion_type": "STANDARD_ERROR_OF_MEAN",
            "dispersion_value_raw": "0.26",
            "dispersion_value": 0.26,
            "ci_pct_value": 95.0,
            "ci_num_sides": "TWO_SIDED",
            "ci_lower_limit_raw": "-1.1",
            "ci_lower_limit": -1.1,
            "ci_upper_limit_raw": "-0.1",
            "ci_upper_limit": -0.1,
            "non_inferiority_type": None,
            "estimate_comment": None,
        },
    ]
