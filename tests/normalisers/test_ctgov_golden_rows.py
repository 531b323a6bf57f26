"""Golden whole rows of every ClinicalTrials.gov table, from the in-repo hand-written page.

tests/fixtures/ctgov/studies_page.json is written by hand to the API v2 /studies format (see its
README): one study with results, a terminated phase 2/3 study, and one holding values outside the
documented lists. Every column of every row is stated below, so a value that lands in the wrong
column fails here even without the real recorded responses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from pipeline.parquet.provenance import Provenance
from pipeline.sources.ctgov.normalise.schemas import TABLES
from pipeline.sources.ctgov.normalise.tables import PageTables, build_page_tables
from tests.normalisers.golden import IN_REPO_FIXTURES, assert_provenance, data_rows
from tests.normalisers.golden_ctgov import NO_DATE
from tests.normalisers.golden_ctgov import date_columns as _date

PROV = Provenance("20260301T000000Z-0a0b", datetime(2026, 3, 1, 6, 30, tzinfo=UTC), "2026-02-28T09:00:00")
PAGE = IN_REPO_FIXTURES / "ctgov" / "studies_page.json"
A, B, C = "NCT99000001", "NCT99000002", "NCT99000003"


@pytest.fixture(scope="module")
def page() -> PageTables:
    return build_page_tables(PAGE.read_bytes(), PROV, str(PAGE))


TRIAL_A: dict[str, Any] = {
    "nct_id": A,
    "brief_title": "Example Gepant Versus Placebo for Acute Migraine",
    "official_title": "A Randomized, Double-Blind, Placebo-Controlled Example Study of an Oral Gepant for "
    "the "
    "Acute Treatment of Migraine",
    "acronym": "HW-GEPANT",
    "org_study_id": "HW-MIG-001",
    "overall_status": "COMPLETED",
    "status_group": "completed",
    "why_stopped": None,
    "study_type": "INTERVENTIONAL",
    "phases_raw": ["PHASE3"],
    "phase": "PHASE3",
    "allocation": "RANDOMIZED",
    "intervention_model": "PARALLEL",
    "primary_purpose": "TREATMENT",
    "masking": "QUADRUPLE",
    "enrollment": 412,
    "enrollment_type": "ACTUAL",
    **_date("start_date", "2019-03-04", date(2019, 3, 4), "day", "ACTUAL"),
    **_date("primary_completion_date", "2020-06", date(2020, 6, 1), "month", "ACTUAL"),
    **_date("completion_date", "2020-09-30", date(2020, 9, 30), "day", "ACTUAL"),
    **_date("first_post_date", "2019-02-15", date(2019, 2, 15), "day", "ESTIMATED"),
    **_date("results_first_post_date", "2021-05-20", date(2021, 5, 20), "day", "ACTUAL"),
    **_date("last_update_post_date", "2021-06-01", date(2021, 6, 1), "day", "ACTUAL"),
    "lead_sponsor": "Example Headache Research Foundation",
    "lead_sponsor_class": "OTHER",
    "brief_summary": "Adults with episodic migraine treat one attack with an example gepant or placebo.",
    "keywords": ["gepant", "CGRP receptor antagonist", "acute treatment"],
    "has_results": True,
    "unknown_values": [],
    "content_sha256": "e73d133bcccf069a8e1c18bbcb7f98190d54bc381083c3cddd702c6f007d3f46",
}
TRIAL_B: dict[str, Any] = {
    "nct_id": B,
    "brief_title": "Example Nerve Stimulation for Chronic Migraine Prevention",
    "official_title": None,
    "acronym": None,
    "org_study_id": None,
    "overall_status": "TERMINATED",
    "status_group": "ended_early",
    "why_stopped": "Sponsor decision, not related to safety.",
    "study_type": "INTERVENTIONAL",
    "phases_raw": ["PHASE3", "PHASE2"],
    "phase": "PHASE2/PHASE3",
    "allocation": "NA",
    "intervention_model": "SINGLE_GROUP",
    "primary_purpose": "PREVENTION",
    "masking": "NONE",
    "enrollment": 12,
    "enrollment_type": "ACTUAL",
    **_date("start_date", "2021-01", date(2021, 1, 1), "month", "ACTUAL"),
    **_date("primary_completion_date", "2022", date(2022, 1, 1), "year", "ACTUAL"),
    **_date("completion_date", *NO_DATE),
    **_date("first_post_date", *NO_DATE),
    **_date("results_first_post_date", *NO_DATE),
    **_date("last_update_post_date", "2023-02-01", date(2023, 2, 1), "day", "ACTUAL"),
    "lead_sponsor": "Example Devices Inc.",
    "lead_sponsor_class": "INDUSTRY",
    "brief_summary": None,
    "keywords": None,
    "has_results": False,
    "unknown_values": [],
    "content_sha256": "ab9ee33eb7e5198db041fc73edfda91750a607a0920d2aac26b4b9c9d469145e",
}
TRIAL_C: dict[str, Any] = {
    "nct_id": C,
    "brief_title": "Example Record With Values Outside the Documented Lists",
    "official_title": None,
    "acronym": None,
    "org_study_id": None,
    "overall_status": "PAUSED",
    "status_group": "other",
    "why_stopped": None,
    "study_type": "INTERVENTIONAL",
    "phases_raw": None,
    "phase": None,
    "allocation": "RANDOMISED",
    "intervention_model": None,
    "primary_purpose": None,
    "masking": None,
    "enrollment": None,
    "enrollment_type": None,
    **_date("start_date", "Spring 2015", None, None, "ANTICIPATED"),
    **_date("primary_completion_date", *NO_DATE),
    **_date("completion_date", *NO_DATE),
    **_date("first_post_date", *NO_DATE),
    **_date("results_first_post_date", *NO_DATE),
    **_date("last_update_post_date", *NO_DATE),
    "lead_sponsor": "Example University",
    "lead_sponsor_class": "UNIVERSITY",
    "brief_summary": None,
    "keywords": None,
    "has_results": False,
    # In the order the normaliser meets them: the study's lists first, then the trial's own fields.
    "unknown_values": [
        "interventions.type=TELEPATHY",
        "overallStatus=PAUSED",
        "dateStruct.type=ANTICIPATED",
        "allocation=RANDOMISED",
        "enrollmentInfo.count=about 40",
        "leadSponsor.class=UNIVERSITY",
    ],
    "content_sha256": "fb213846fa68d366afae45c012d2fa8993808ea4633d95a1f98dfeac3d872881",
}


def test_trials(page: PageTables) -> None:
    assert data_rows(page.tables["trials"]) == [TRIAL_A, TRIAL_B, TRIAL_C]
    assert page.n_studies == 3
    assert dict(page.unknown_values) == dict.fromkeys(TRIAL_C["unknown_values"], 1)
    assert dict(page.unparseable_dates) == {"start_date=Spring 2015": 1}


def test_conditions(page: PageTables) -> None:
    assert data_rows(page.tables["conditions"]) == [
        {"nct_id": A, "condition_idx": 0, "condition": "Migraine With Aura"},
        {"nct_id": A, "condition_idx": 1, "condition": "Migraine Without Aura"},
        {"nct_id": B, "condition_idx": 0, "condition": "Chronic Migraine"},
    ]


def test_interventions(page: PageTables) -> None:
    assert data_rows(page.tables["interventions"]) == [
        {
            "nct_id": A,
            "intervention_idx": 0,
            "intervention_type": "DRUG",
            "name": "Example gepant",
            "description": "Oral CGRP receptor antagonist, 75 mg tablet.",
            "other_names": ["EX-0075"],
            "arm_group_labels": ["Gepant 75 mg"],
        },
        {
            "nct_id": A,
            "intervention_idx": 1,
            "intervention_type": "DRUG",
            "name": "Placebo",
            "description": "Matching tablet without active substance.",
            "other_names": None,
            "arm_group_labels": ["Placebo"],
        },
        {
            "nct_id": B,
            "intervention_idx": 0,
            "intervention_type": "DEVICE",
            "name": "Example nerve stimulator",
            "description": None,
            "other_names": ["ENS-1", "Stim One"],
            "arm_group_labels": ["Stimulation"],
        },
        {
            "nct_id": C,
            "intervention_idx": 0,
            "intervention_type": "TELEPATHY",
            "name": "Thinking about relief",
            "description": None,
            "other_names": None,
            "arm_group_labels": None,
        },
    ]


def test_arms(page: PageTables) -> None:
    assert data_rows(page.tables["arms"]) == [
        {
            "nct_id": A,
            "arm_idx": 0,
            "label": "Gepant 75 mg",
            "arm_type": "EXPERIMENTAL",
            "description": "One 75 mg tablet at the onset of moderate or severe pain.",
            "intervention_names": ["Drug: Example gepant"],
        },
        {
            "nct_id": A,
            "arm_idx": 1,
            "label": "Placebo",
            "arm_type": "PLACEBO_COMPARATOR",
            "description": "One matching placebo tablet at the onset of moderate or severe pain.",
            "intervention_names": ["Drug: Placebo"],
        },
        {
            "nct_id": B,
            "arm_idx": 0,
            "label": "Stimulation",
            "arm_type": "EXPERIMENTAL",
            "description": None,
            "intervention_names": ["Device: Example nerve stimulator"],
        },
    ]


def test_design_outcomes(page: PageTables) -> None:
    assert data_rows(page.tables["design_outcomes"]) == [
        {
            "nct_id": A,
            "outcome_kind": "primary",
            "outcome_idx": 0,
            "measure": "Pain freedom at 2 hours post-dose",
            "description": "No headache pain 2 hours after the dose, rated on a 4-point scale.",
            "time_frame": "2 hours post-dose",
        },
        {
            "nct_id": A,
            "outcome_kind": "secondary",
            "outcome_idx": 0,
            "measure": "Freedom from the most bothersome symptom at 2 hours post-dose",
            "description": "Absence of the symptom (photophobia, phonophobia or nausea) chosen at baseline.",
            "time_frame": "2 hours post-dose",
        },
        {
            "nct_id": A,
            "outcome_kind": "other",
            "outcome_idx": 0,
            "measure": "Use of rescue medication within 24 hours",
            "description": None,
            "time_frame": "24 hours post-dose",
        },
    ]


def test_references(page: PageTables) -> None:
    assert data_rows(page.tables["references"]) == [
        {
            "nct_id": A,
            "reference_idx": 0,
            "pmid": "90000101",
            "reference_type": "RESULT",
            "citation": "Example A, Sample B. An example gepant for acute migraine. "
            "Example Headache J. 2022;1(2):10-19.",
        },
        {
            "nct_id": A,
            "reference_idx": 1,
            "pmid": None,
            "reference_type": "BACKGROUND",
            "citation": "Example C. Background reading on CGRP in migraine. Example Rev. 2018;3:1-5.",
        },
    ]


def test_every_row_carries_the_page_provenance(page: PageTables) -> None:
    assert set(page.tables) == set(TABLES)
    assert_provenance(page.tables, PROV)
