"""Outcome titles -> canonical endpoints, explained by rule, field, terms and text.

The parametrised titles are written in the many styles registry titles take (percentages and
symbols, abbreviations, "headache pain free", "MMDs", dose schedules in parentheses); the real
registered titles of the shared migraine fixtures are checked separately and skip when absent.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from outcome_support import taxonomy

from pipeline.outcomes import endpoint_definitions, map_endpoints
from pipeline.outcomes.schemas import ENDPOINTS, TRIAL_ENDPOINTS
from pipeline.sources.ctgov.normalise.schemas import DESIGN_OUTCOMES, RESULT_OUTCOMES


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("Percentage of Participants With Pain Freedom at 2 Hours After the Initial Dose", "pain_free_2h"),
        ("Proportion of subjects pain-free 2 h post-dose", "pain_free_2h"),
        ("Headache pain free at two hours", "pain_free_2h"),
        ("Freedom From Pain at 120 Minutes", "pain_free_2h"),
        ("Absence of the Most Bothersome Symptom (MBS) at 2 Hours", "mbs_free_2h"),
        ("Freedom from most bothersome migraine-associated symptom 2 hours postdose", "mbs_free_2h"),
        ("Headache Response at 2 Hours", "headache_relief_2h"),
        ("Percentage of Participants With Pain Relief at 2 Hours", "headache_relief_2h"),
        ("Sustained Pain Freedom From 2 to 24 Hours Post-dose", "sustained_pain_free"),
        ("Sustained pain-free response 2-48 h", "sustained_pain_free"),
        ("Headache Recurrence Within 48 Hours", "recurrence"),
        ("Use of Rescue Medication Within 24 Hours", "rescue_medication"),
        ("Percentage of Participants With ≥50% Reduction in Monthly Migraine Days", "responder_50"),
        ("50% Migraine Responder Rate (Weeks 1-12)", "responder_50"),
        (
            "Mean Percentage of Participants With Reduction From Baseline >=50% in Monthly Migraine "
            "Headache Days",
            "responder_50",
        ),
        ("Change From Baseline in Mean Monthly Migraine Days (MMD) in Weeks 9-12", "mmd_change"),
        ("Overall Mean Change From Baseline in the Number of Monthly Migraine Headache Days", "mmd_change"),
        ("Reduction in migraine days per month from baseline", "mmd_change"),
        ("Change From Baseline in Monthly Headache Days of at Least Moderate Severity", "mhd_change"),
        ("Change in Monthly Acute Migraine-Specific Medication Days (MSMD)", "acute_med_days_change"),
        (
            "Mean Change From Baseline in Days of Use of Any Acute Headache Medication",
            "acute_med_days_change",
        ),
        ("Change From Baseline in HIT-6 Total Score", "hit6"),
        ("Change in Headache Impact Test Score at Week 12", "hit6"),
        ("Change From Baseline in Migraine Disability Assessment (MIDAS) Total Score", "midas"),
        ("Change in MSQ v2.1 Role Function-Restrictive Domain Score", "msq"),
        ("Number of Participants With Treatment-Emergent Adverse Events (TEAEs)", "adverse_events"),
        ("Number of Participants With Serious Adverse Events", "serious_adverse_events"),
        ("Percentage of Participants Who Discontinued Due to Adverse Events", "ae_discontinuation"),
        # Not canonical endpoints: left to `other` on purpose.
        ("Percentage Change From Baseline in Monthly Migraine Days", "other"),
        ("Percentage of Participants With ≥75% Reduction in Monthly Migraine Days", "other"),
        ("Time to Pain Freedom", "other"),
        ("Change in MSQ Emotional Function Domain Score", "other"),
        ("Percentage of Participants With EASI-50 Response", "other"),
        ("Incidence Rate of Dysphagia", "other"),
    ],
)
def test_titles_map_to_their_endpoint(title, code):
    assert taxonomy().classify(title, None, None).code == code


def test_a_match_says_which_rule_field_terms_and_words_chose_it():
    title = "Percentage of Participants With at Least 50% Reduction From Baseline in Monthly Migraine Days"
    m = taxonomy().classify(title, None, None)
    assert (m.code, m.rule, m.field) == ("responder_50", "responder_50: 50 percent reduction", "title")
    assert m.terms == ["50 reduction", "migraine"]
    assert m.text == title  # short titles are shown whole


def test_a_stated_time_other_than_the_endpoints_is_not_that_endpoint_and_says_why():
    m = taxonomy().classify("Percentage of Subjects Pain-free at 1 Hour Post-dose", None, None)
    assert m.code == "other"
    assert m.note == "pain_free_2h: pain freedom matched but the outcome states 1 h, not 2 h"
    # The hours may be in the time frame only.
    assert taxonomy().classify("Pain Freedom", None, "2 hours post-dose").code == "pain_free_2h"
    assert taxonomy().classify("Pain Freedom", None, "4 hours post-dose").code == "other"
    assert taxonomy().classify("Pain freedom at 0.5, 1, 2 and 4 hours", None, None).code == "pain_free_2h"


def test_the_description_is_read_only_for_a_bare_title():
    description = "Participants free of headache pain at 2 hours, without rescue medication."
    m = taxonomy().classify("Primary Efficacy", description, None)
    assert (m.code, m.field) == ("pain_free_2h", "description")
    # A descriptive title that matches nothing is another outcome, whatever its description mentions.
    itch = "Change in Peak Pruritus Numerical Rating Scale Score at Week 16"
    assert (
        taxonomy().classify(itch, "Participants given rescue medication were censored.", None).code == "other"
    )


@pytest.mark.parametrize(
    ("text", "population"),
    [
        ("Adults with episodic or chronic migraine", "mixed"),
        ("Preventive Treatment of Episodic and Chronic Migraine", "mixed"),
        ("Patients With Chronic or Episodic Migraine", "mixed"),
        ("episodic and/or chronic migraine", "mixed"),
        ("Episodic/Chronic Migraines", "mixed"),
        ("episodic migraine and chronic migraine", "mixed"),
        ("Chronic Migraine", "chronic"),
        ("Prevention of chronic migraine in adults who failed two preventives", "chronic"),
        ("High frequency episodic migraine", "episodic"),
        ("Cluster headache", None),
    ],
)
def test_a_phrase_naming_both_populations_is_mixed_not_chronic(text, population):
    assert taxonomy().population(text) == population
    assert taxonomy().population_many([text, None]) == [population, None]


def _design(rows: list[tuple]) -> pa.Table:
    """Only the columns map_endpoints reads (it reads by name, as the normaliser's tables have them)."""
    names = ["nct_id", "outcome_kind", "outcome_idx", "measure", "description", "time_frame"]
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


def _empty_results() -> pa.Table:
    return RESULT_OUTCOMES.empty_table()


def test_map_endpoints_gives_window_population_and_kind_per_outcome():
    design = _design(
        [
            (
                "NCT1",
                "primary",
                0,
                "Change From Baseline in Monthly Migraine Days",
                None,
                "Baseline, Weeks 9 to 12",
            ),
            ("NCT1", "secondary", 1, "Change in MMD in participants with chronic migraine", None, "Month 3"),
            ("NCT2", "primary", 0, "Pain Freedom at 2 Hours Post-dose", None, "2 hours"),
            ("NCT2", "other", 1, "Plasma concentration", None, "Day 1"),
        ]
    )
    conditions = pa.table({"nct_id": ["NCT1"], "condition": ["Episodic Migraine"]})
    rows = map_endpoints(design, _empty_results(), taxonomy(), conditions=conditions).to_pylist()
    assert [r["endpoint_code"] for r in rows] == ["mmd_change", "mmd_change", "pain_free_2h", "other"]
    first, second, acute, other = rows
    assert (first["time_window"], first["time_window_field"]) == ("weeks 9-12", "time_frame")
    assert (first["population"], first["population_field"]) == ("episodic", "trial.conditions")
    assert (second["population"], second["population_field"]) == ("chronic", "outcome.title")
    assert (acute["time_window"], acute["population"]) == ("2 hours post dose", None)
    assert other["matched_rule"] is None and other["outcome_kind"] == "other"
    assert all(r["outcome_source"] == "design" for r in rows)


def test_map_endpoints_and_definitions_keep_their_schemas_also_when_empty():
    out = map_endpoints(DESIGN_OUTCOMES.empty_table(), _empty_results(), taxonomy())
    assert out.schema == TRIAL_ENDPOINTS and out.num_rows == 0
    definitions = endpoint_definitions(taxonomy())
    assert definitions.schema == ENDPOINTS
    assert definitions.column("endpoint_code").to_pylist()[-1] == "other"


REAL_DESIGN_EXPECTED = {
    # nct_id: endpoint codes of its registered outcomes, in order (titles as registered; see the
    # shared fixtures' manifest).
    "NCT02828020": ["pain_free_2h", "mbs_free_2h"],
    "NCT03235479": ["pain_free_2h"],
    "NCT03266588": ["ae_discontinuation"],
    "NCT03732638": ["mmd_change"],
    "NCT05133323": ["mmd_change"],
    "NCT01432379": ["other", "other"],
    "NCT05415020": ["other", "other", "other", "other"],
}


def test_real_registered_migraine_outcomes(corpus):
    from outcome_support import tables_of

    docs = [json.loads(corpus.file(f"ctgov/migraine/{n}.json").read_text()) for n in REAL_DESIGN_EXPECTED]
    tables = tables_of(docs)
    rows = map_endpoints(
        tables["design_outcomes"],
        tables["result_outcomes"],
        taxonomy(),
        tables["trials"],
        tables["conditions"],
    ).to_pylist()
    found: dict[str, list[str]] = {}
    for r in rows:
        found.setdefault(r["nct_id"], []).append(r["endpoint_code"])
    assert found == REAL_DESIGN_EXPECTED
    by_id = {(r["nct_id"], r["outcome_idx"], r["outcome_kind"]): r for r in rows}
    rimegepant = by_id[("NCT03732638", 0, "primary")]
    assert rimegepant["time_window"] == "last 4 weeks of double-blind phase"
    assert rimegepant["matched_terms"] == ["migraine days per month", "change"]
    ubrogepant = by_id[("NCT02828020", 1, "primary")]
    assert ubrogepant["matched_rule"] == "mbs_free_2h: most bothersome symptom"
    assert ubrogepant["time_window"] == "2 hours post dose"
