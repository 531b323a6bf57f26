"""Golden whole rows from real recorded ClinicalTrials.gov studies (shared fixtures ctgov/): protocol tables.

Every expected value below was read off the study's JSON by hand: ARISE (NCT02483585, a migraine
record with both an official title and an acronym), a behavioural migraine study (NCT05415020, with
design outcomes and an arm without a type) and a partial record (NCT00465816, references only).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.normalisers.golden import assert_provenance, data_rows
from tests.normalisers.golden_ctgov import NO_DATE, PROV, recorded_study
from tests.normalisers.golden_ctgov import date_columns as _date
from tests.servers.corpus import RecordedCorpus

ARISE = "NCT02483585"
BEHAVIOURAL = "NCT05415020"
PARTIAL = "NCT00465816"
EMPTY_TABLES = ("result_outcomes", "result_groups", "result_measurements", "result_analyses")

ARISE_TRIAL: dict[str, Any] = {
    "nct_id": ARISE,
    "brief_title": "Study to Evaluate the Efficacy and Safety of Erenumab (AMG 334) Compared to Placebo in "
    "Migraine Prevention",
    "official_title": "A Phase 3, Randomized, Double-blind, Placebo-controlled Study to Evaluate the "
    "Efficacy "
    "and Safety of AMG 334 in Migraine Prevention",
    "acronym": "ARISE",
    "org_study_id": None,
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
    "enrollment": 577,
    "enrollment_type": "ACTUAL",
    **_date("start_date", "2015-07-20", date(2015, 7, 20), "day", "ACTUAL"),
    **_date("primary_completion_date", "2016-07-11", date(2016, 7, 11), "day", "ACTUAL"),
    **_date("completion_date", "2017-03-20", date(2017, 3, 20), "day", "ACTUAL"),
    **_date("first_post_date", "2015-06-29", date(2015, 6, 29), "day", None),
    **_date("results_first_post_date", "2018-06-25", date(2018, 6, 25), "day", None),
    **_date("last_update_post_date", "2018-11-29", date(2018, 11, 29), "day", None),
    "lead_sponsor": "Amgen",
    "lead_sponsor_class": "INDUSTRY",
    "brief_summary": "To evaluate the effect of erenumab compared to placebo on the change from baseline in "
    "monthly migraine days, in adults with episodic migraine.",
    "keywords": None,
    "has_results": True,
    "unknown_values": [],
    "content_sha256": "c754758702440420f0b29fb913e1994c17f961a1420fe5e986cacb39e693f766",
}


def test_arise_every_table(corpus: RecordedCorpus) -> None:
    tables = recorded_study(corpus, f"migraine/{ARISE}")
    assert data_rows(tables["trials"]) == [ARISE_TRIAL]
    assert data_rows(tables["conditions"]) == [{"nct_id": ARISE, "condition_idx": 0, "condition": "Migraine"}]
    assert data_rows(tables["interventions"]) == [
        {
            "nct_id": ARISE,
            "intervention_idx": 0,
            "intervention_type": "DRUG",
            "name": "Erenumab",
            "description": None,
            "other_names": None,
            "arm_group_labels": None,
        },
        {
            "nct_id": ARISE,
            "intervention_idx": 1,
            "intervention_type": "DRUG",
            "name": "Placebo",
            "description": "Administered once a month by subcutaneous injection",
            "other_names": None,
            "arm_group_labels": ["Placebo"],
        },
    ]
    assert data_rows(tables["arms"]) == [
        {
            "nct_id": ARISE,
            "arm_idx": 0,
            "label": "Placebo",
            "arm_type": "PLACEBO_COMPARATOR",
            "description": "Participants received placebo on day 1 and at weeks 4 and 8 by subcutaneous "
            "injection "
            "in the double-blind treatment phase. At week 12 participants began treatment with erenumab 70 "
            "mg "
            "administered by subcutaneous injection at weeks 12, 16, 20, 24, 28, 32, and 36 in the "
            "open-label "
            "treatment phase.",
            "intervention_names": ["Drug: Placebo"],
        },
        {
            "nct_id": ARISE,
            "arm_idx": 1,
            "label": "Erenumab",
            "arm_type": "EXPERIMENTAL",
            "description": None,
            "intervention_names": None,
        },
    ]
    # The transcription keeps hasResults but not the resultsSection, and lists no outcomes or references.
    for name in ("design_outcomes", "references", *EMPTY_TABLES):
        assert tables[name].num_rows == 0, name
    assert_provenance(tables, PROV)


def test_behavioural_migraine_study_every_table(corpus: RecordedCorpus) -> None:
    tables = recorded_study(corpus, f"migraine/{BEHAVIOURAL}")
    assert data_rows(tables["trials"]) == [
        {
            "nct_id": BEHAVIOURAL,
            "brief_title": "Determining the Utility of a Behavioral Intervention in Chronic Migraine",
            "official_title": None,
            "acronym": None,
            "org_study_id": None,
            "overall_status": "RECRUITING",
            "status_group": "ongoing",
            "why_stopped": None,
            "study_type": "INTERVENTIONAL",
            "phases_raw": ["NA"],
            "phase": "NA",
            "allocation": "RANDOMIZED",
            "intervention_model": "PARALLEL",
            "primary_purpose": "TREATMENT",
            "masking": "NONE",
            "enrollment": 60,
            "enrollment_type": None,
            **_date("start_date", "2022-06-29", date(2022, 6, 29), "day", None),
            **_date("primary_completion_date", *NO_DATE),
            **_date("completion_date", "2026-08-14", date(2026, 8, 14), "day", None),
            **_date("first_post_date", *NO_DATE),
            **_date("results_first_post_date", *NO_DATE),
            **_date("last_update_post_date", "2025-10-03", date(2025, 10, 3), "day", None),
            "lead_sponsor": "Mayo Clinic",
            "lead_sponsor_class": None,
            "brief_summary": "This proposal will involve a pilot study to evaluate the feasibility, "
            "acceptability, "
            "and outcomes of a lifestyle behavior protocol in managing chronic migraine. Additionally, the "
            "proposal will investigate biomolecules that are uniquely involved in chronic migraine patients "
            "who "
            "respond to the protocol. Successful completion of this proposal will inform the design of a "
            "future "
            "full-scale behavioral clinical trial to control chronic migraine.",
            "keywords": None,
            "has_results": False,
            "unknown_values": [],
            "content_sha256": "1650cace488e03c687af0ce83006adc4c33a4ede13216f7c71fd44514c3b4c20",
        }
    ]
    conditions = ["Migraine Headache", "Migraine Disorders", "Chronic Migraine", "Lifestyle Factors"]
    assert data_rows(tables["conditions"]) == [
        {"nct_id": BEHAVIOURAL, "condition_idx": i, "condition": c}
        for i, c in enumerate([*conditions, "Headache Disorders"])
    ]
    assert data_rows(tables["interventions"]) == [
        {
            "nct_id": BEHAVIOURAL,
            "intervention_idx": 0,
            "intervention_type": "BEHAVIORAL",
            "name": "Lifestyle Behavior Protocol",
            "description": None,
            "other_names": None,
            "arm_group_labels": ["Virtual Therapy Group"],
        },
        {
            "nct_id": BEHAVIOURAL,
            "intervention_idx": 1,
            "intervention_type": "BEHAVIORAL",
            "name": "Sham Behavior Protocol",
            "description": None,
            "other_names": None,
            "arm_group_labels": ["Attention Placebo Group"],
        },
    ]
    assert data_rows(tables["arms"]) == [
        {
            "nct_id": BEHAVIOURAL,
            "arm_idx": 0,
            "label": "Virtual Therapy Group",
            "arm_type": "ACTIVE_COMPARATOR",
            "description": None,
            "intervention_names": ["Behavioral: Lifestyle Behavior Protocol"],
        },
        {
            "nct_id": BEHAVIOURAL,
            "arm_idx": 1,
            "label": "Attention Placebo Group",
            "arm_type": None,
            "description": None,
            "intervention_names": ["Behavioral: Sham Behavior Protocol"],
        },
    ]
    design = [
        ("primary", 0, "Feasibility", "Recruitment rate"),
        ("primary", 1, "Acceptability", "Retention rate"),
        (
            "secondary",
            0,
            "Mean change from baseline monthly migraine frequency",
            "Change in the mean of monthly migraine frequency",
        ),
        ("secondary", 1, "Migraine severity", "severity of migraine attacks rated from 0 to 10"),
    ]
    assert data_rows(tables["design_outcomes"]) == [
        {
            "nct_id": BEHAVIOURAL,
            "outcome_kind": kind,
            "outcome_idx": idx,
            "measure": measure,
            "description": description,
            "time_frame": "12 weeks",
        }
        for kind, idx, measure, description in design
    ]
    for name in ("references", *EMPTY_TABLES):
        assert tables[name].num_rows == 0, name


def test_partial_record_every_table(corpus: RecordedCorpus) -> None:
    tables = recorded_study(corpus, f"partial/{PARTIAL}")
    nothing = dict.fromkeys(ARISE_TRIAL, None)
    assert data_rows(tables["trials"]) == [
        {
            **nothing,
            "nct_id": PARTIAL,
            "brief_title": "Primary Study to Demonstrate...",
            "official_title": "Non-inferiority of GSK Biologicals...",
            "org_study_id": "109063",
            "status_group": "other",  # no overallStatus
            "has_results": True,  # hasResults says so although the resultsSection was trimmed
            "unknown_values": [],
            "content_sha256": "10911088748232ba389975f0c0b49f3bfd0245a73768733d4d4fa5e0edd1802d",
        }
    ]
    assert data_rows(tables["references"]) == [
        {
            "nct_id": PARTIAL,
            "reference_idx": 0,
            "pmid": "22107850",
            "reference_type": "BACKGROUND",
            "citation": "Ostergaard L, Silfverdal SA...",
        },
        {
            "nct_id": PARTIAL,
            "reference_idx": 1,
            "pmid": None,
            "reference_type": "BACKGROUND",
            "citation": "Ostergaard L et al...",
        },
    ]
    for name in ("conditions", "interventions", "arms", "design_outcomes", *EMPTY_TABLES):
        assert tables[name].num_rows == 0, name
