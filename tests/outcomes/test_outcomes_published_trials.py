"""Pivotal migraine trials transcribed from their publications (tests/fixtures/outcomes/, every number's
source in SOURCES.md), through the real normaliser, classifier and outcome layer.

The acceptance check: the pooled change in monthly migraine days of the transcribed CGRP antibody
trials in episodic migraine lies within the published pooled CIs (Deng et al., BMC Neurology 2020;20:57:
-1.44 days, 95% CI -1.68 to -1.19, 11 RCTs).
"""

from __future__ import annotations

import pytest
from outcome_support import tables_of_files, taxonomy, transcribed_files, trial_classes

from pipeline.outcomes import outcome_tables

DENG_2020 = (-1.68, -1.19)


@pytest.fixture(scope="module")
def tables() -> dict:
    ctgov = tables_of_files(transcribed_files())
    return outcome_tables(ctgov, trial_classes(ctgov), taxonomy())


def _pool(tables, cls, code, population):
    rows = [
        r
        for r in tables["class_effects"].to_pylist()
        if (r["treatment_class"], r["endpoint_code"], r["population"]) == (cls, code, population)
    ]
    assert len(rows) == 1
    return rows[0]


def _effects(tables, nct_id, code):
    return [
        r for r in tables["trial_effects"].to_pylist() if r["nct_id"] == nct_id and r["endpoint_code"] == code
    ]


def test_pooled_monthly_migraine_days_of_cgrp_antibodies_lies_in_the_published_ci(tables):
    pool = _pool(tables, "cgrp_antibody", "mmd_change", "episodic")
    assert DENG_2020[0] <= pool["estimate"] <= DENG_2020[1]
    assert pool["nct_ids"] == ["NCT02483585", "NCT02614196", "NCT02629861"]  # ARISE, EVOLVE-2, HALO EM
    assert (pool["n_trials"], pool["n_comparisons"]) == (3, 5)
    assert pool["ci_lower"] < pool["estimate"] < pool["ci_upper"] < 0
    assert pool["prediction_lower"] < pool["ci_lower"]


def test_posted_differences_keep_their_published_numbers(tables):
    (arise,) = _effects(tables, "NCT02483585", "mmd_change")
    assert (arise["estimate"], arise["ci_lower"], arise["ci_upper"]) == (-1.0, -1.6, -0.5)
    assert arise["analysis_se"] == pytest.approx(1.1 / 3.919928, rel=1e-6)
    assert arise["posted_p_value_raw"] == "<0.001" and arise["source"] == "posted_analysis"
    halo = {r["active_group_title"]: r for r in _effects(tables, "NCT02629861", "mmd_change")}
    assert halo["Fremanezumab 675 mg/Placebo/Placebo"]["estimate"] == -1.3  # a regimen, not a control
    assert {r["comparisons_sharing_control"] for r in halo.values()} == {2}
    advance = _effects(tables, "NCT03777059", "mmd_change")
    assert [r["estimate"] for r in advance] == [-1.2, -1.4, -1.7]


def test_responder_counts_give_risk_ratios(tables):
    strive = {r["active_group_title"]: r for r in _effects(tables, "NCT02456740", "responder_50")}
    assert strive["Erenumab 70 mg"]["estimate"] == pytest.approx((135 / 312) / (84 / 316))
    assert strive["Erenumab 140 mg"]["estimate"] == pytest.approx((159 / 318) / (84 / 316))
    achieve = {r["active_group_title"]: r for r in _effects(tables, "NCT02867709", "pain_free_2h")}
    assert achieve["Ubrogepant 50 mg"]["estimate"] == pytest.approx((101 / 464) / (65 / 456))
    assert "it gives a risk difference, not a risk ratio" in achieve["Ubrogepant 50 mg"]["note"]


def test_what_the_publications_do_not_give_is_said_not_guessed(tables):
    for nct_id in ("NCT02456740", "NCT02614183"):  # STRIVE, EVOLVE-1: group means only
        for row in _effects(tables, nct_id, "mmd_change"):
            assert row["estimate"] is None
            assert row["not_computed_reason"].endswith(
                "no dispersion posted: a mean alone gives no standard error"
            )
    promise = {r["active_group_title"]: r for r in _effects(tables, "NCT02559895", "mmd_change")}
    assert (
        "it posts no estimate, only p-value '0.0001'" in promise["Eptinezumab 300 mg"]["not_computed_reason"]
    )
    (responders,) = _effects(tables, "NCT02483585", "responder_50")
    assert responders["not_computed_reason"] == (
        "posted analysis 0: it gives an odds ratio, not a risk ratio; "
        "arm values: a percentage without the group's number analysed (denominator)"
    )


def test_gepant_and_acute_pools(tables):
    advance = _pool(tables, "gepant", "mmd_change", "episodic")
    assert advance["method"].startswith("one trial") and advance["n_participants"] == 873
    assert advance["ci_lower"] < advance["estimate"] < advance["ci_upper"] < 0
    acute = _pool(tables, "gepant", "pain_free_2h", "not_stated")
    assert acute["n_comparisons"] == 2 and acute["estimate"] > 1
    assert acute["n_participants"] == 456 + 435 + 464
