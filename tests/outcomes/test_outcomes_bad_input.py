"""Messy posted results each give a row with the reason it could not be used: never a crash, never a
made-up number. The studies here are synthetic (NCT9…) and built in the v2 results shape, one defect
each, then run through the real normaliser."""

from __future__ import annotations

import pytest
from outcome_support import effect_rows, measure, study, tables_of

MMD = "Change From Baseline in Monthly Migraine Days"
RESP = "Percentage of Participants With at Least 50% Reduction in Monthly Migraine Days"
ARMS = [("Placebo", "PLACEBO_COMPARATOR"), ("Testumab 70 mg", "EXPERIMENTAL")]
GROUPS = ["Placebo", "Testumab 70 mg"]


def _one(outcome: dict, arms=ARMS, **kw) -> list[dict]:
    return effect_rows(tables_of([study("NCT90000001", arms, [outcome], **kw)]))


def _ci(lo: str, hi: str, value: str = "-1.0", ptype: str = "LS Mean Difference", **extra) -> dict:
    return {
        "groupIds": ["OG000", "OG001"],
        "paramType": ptype,
        "paramValue": value,
        "ciPctValue": "95",
        "ciNumSides": "TWO_SIDED",
        "ciLowerLimit": lo,
        "ciUpperLimit": hi,
        **extra,
    }


def test_percentages_without_denominators():
    (row,) = _one(
        measure(RESP, GROUPS, ["29.5", "39.7"], param_type="NUMBER", unit="Percentage of participants")
    )
    assert row["estimate"] is None and row["source"] is None
    assert "a percentage without the group's number analysed (denominator)" in row["not_computed_reason"]


def test_percentages_with_denominators_become_counts_and_say_so():
    out = measure(
        RESP,
        GROUPS,
        ["25.0", "40.0"],
        param_type="NUMBER",
        unit="Percentage of participants",
        denoms=["200", "200"],
    )
    (row,) = _one(out)
    assert row["source"] == "arm_values"
    assert row["estimate"] == pytest.approx((80 / 200) / (50 / 200))
    assert row["note"] == "events derived from percentages"
    assert (row["active_value_raw"], row["control_value_raw"]) == ("40.0", "25.0")


def test_a_p_value_bound_with_na_ci_and_no_dispersion():
    analysis = _ci("NA", "NA", pValue="<0.001")
    (row,) = _one(measure(MMD, GROUPS, ["-1.8", "-2.9"], denoms=["100", "100"], analyses=[analysis]))
    assert row["estimate"] is None
    reason = row["not_computed_reason"]
    assert "CI limits 'NA' to 'NA' are not both numbers and p-value '<0.001' is a bound" in reason
    assert "no dispersion posted" in reason


def test_an_exact_p_value_gives_the_se_when_the_ci_is_missing():
    analysis = {
        "groupIds": ["OG000", "OG001"],
        "paramType": "Mean Difference (Final Values)",
        "paramValue": "-1.2",
        "pValue": "0.0182",
    }
    (row,) = _one(measure(MMD, GROUPS, ["-3.2", "-4.4"], denoms=["220", "221"], analyses=[analysis]))
    assert row["source"] == "posted_analysis"
    assert row["analysis_se"] == pytest.approx(1.2 / 2.3614, rel=1e-3)
    assert row["note"] == "SE from the exact p-value (Cochrane 6.3.2)"


def test_an_unusable_ci_with_the_posted_se_of_the_difference_uses_that_se():
    """Before the p-value (here a bound, which gives no SE at all): the sponsor's own SE of the estimate."""
    analysis = _ci(
        "NA", "NA", pValue="<0.001", dispersionType="STANDARD_ERROR_OF_MEAN", dispersionValue="0.41"
    )
    (row,) = _one(measure(MMD, GROUPS, ["-1.8", "-2.9"], denoms=["100", "100"], analyses=[analysis]))
    assert row["source"] == "posted_analysis" and row["estimate"] == -1.0
    assert row["analysis_se"] == 0.41
    assert row["ci_lower"] == pytest.approx(-1.0 - 1.959964 * 0.41)
    assert row["note"] == "SE of the difference as posted (its CI is unusable)"


def test_a_posted_se_of_a_ratio_is_not_read_as_a_log_scale_se():
    ratio = _ci("NA", "NA", value="1.5", ptype="Risk Ratio", dispersionType="STANDARD_ERROR_OF_MEAN")
    ratio["dispersionValue"] = "0.2"
    out = measure(RESP, GROUPS, ["25", "40"], param_type="NUMBER", unit="Percentage of participants")
    (row,) = _one({**out, "analyses": [ratio]})
    assert row["estimate"] is None
    assert (
        "CI limits 'NA' to 'NA' are not both numbers and no p-value is posted" in row["not_computed_reason"]
    )


def test_unknown_parameter_types_and_one_sided_cis_fall_back_to_arm_values():
    analyses = [
        _ci("-1.6", "-0.5", ptype="Slope"),
        {**_ci("-1.6", "-0.5"), "ciNumSides": "ONE_SIDED"},
    ]
    out = measure(
        MMD,
        GROUPS,
        ["-1.8", "-2.9"],
        dispersion="Standard Error",
        spreads=["0.2", "0.2"],
        denoms=["100", "100"],
        analyses=analyses,
    )
    (row,) = _one(out)
    assert row["source"] == "arm_values"
    assert row["estimate"] == pytest.approx(-1.1)
    assert row["analysis_se"] == pytest.approx((0.2**2 + 0.2**2) ** 0.5)
    assert "parameter type 'Slope' is not one this pipeline reads" in row["note"]
    assert "its CI is ONE_SIDED" in row["note"]


def test_dispersions_that_cannot_give_an_se_and_medians():
    iqr = measure(MMD, GROUPS, ["-1.8", "-2.9"], dispersion="Inter-Quartile Range", spreads=["2", "2"])
    (row,) = _one(iqr)
    assert "dispersion 'Inter-Quartile Range' cannot give a standard error" in row["not_computed_reason"]
    median = measure(MMD, GROUPS, ["-1.8", "-2.9"], param_type="MEDIAN", dispersion="Full Range")
    (row,) = _one(median)
    assert "arm values are MEDIAN: a mean difference needs means" in row["not_computed_reason"]


def test_na_arm_values_and_missing_groups_values():
    (row,) = _one(measure(MMD, GROUPS, ["NA", "-2.9"], dispersion="Standard Error", spreads=["0.2", "0.2"]))
    assert "arm value 'NA' is not a number" in row["not_computed_reason"]
    (row,) = _one(measure(MMD, GROUPS, [None, "-2.9"], dispersion="Standard Error", spreads=[None, "0.2"]))
    assert row["not_computed_reason"].endswith("arm values: a group has no value posted")


def test_outcome_groups_that_do_not_match_the_arms():
    out = measure(
        MMD,
        ["Placebo", "Drug X 10 mg"],
        ["-1.8", "-2.9"],
        dispersion="Standard Error",
        spreads=["0.2", "0.2"],
    )
    (row,) = _one(out)
    assert row["not_computed_reason"] == "outcome group 'Drug X 10 mg' matches no registered arm"
    assert row["control_rule"] == "arm type PLACEBO_COMPARATOR (arm 'Placebo')"


def test_no_control_and_several_controls():
    arms = [("Testumab 70 mg", "EXPERIMENTAL"), ("Testumab 140 mg", "EXPERIMENTAL")]
    out = measure(MMD, ["Testumab 70 mg", "Testumab 140 mg"], ["-1.8", "-2.9"])
    (row,) = _one(out, arms=arms)
    assert row["not_computed_reason"].startswith("no control group")
    arms = [
        ("Placebo A", "PLACEBO_COMPARATOR"),
        ("Placebo B", "PLACEBO_COMPARATOR"),
        ("Testumab", "EXPERIMENTAL"),
    ]
    (row,) = _one(measure(MMD, ["Placebo A", "Placebo B", "Testumab"], ["-1", "-1", "-2"]), arms=arms)
    assert row["not_computed_reason"].startswith("several control groups, none preferred")


def test_a_placebo_group_is_the_control_even_when_its_arm_is_typed_experimental():
    arms = [("Placebo qw", "EXPERIMENTAL"), ("Testumab 300 mg qw", "EXPERIMENTAL")]
    out = measure(
        MMD,
        ["Placebo qw", "Testumab 300 mg qw"],
        ["-2.11", "-4.24"],
        dispersion="Standard Error",
        spreads=["0.259", "0.250"],
        denoms=["90", "94"],
    )
    (row,) = _one(out, arms=arms)
    assert row["control_rule"] == "group title names a control ('placebo'); its arm is typed EXPERIMENTAL"
    assert row["estimate"] == pytest.approx(-2.13)


def test_a_posted_difference_in_the_other_direction_is_turned_round():
    out = measure(MMD, GROUPS, ["-1.8", "-2.9"], denoms=["100", "100"], analyses=[_ci("0.5", "1.6", "1.1")])
    (row,) = _one(out)
    assert (row["estimate"], row["ci_lower"], row["ci_upper"]) == (-1.1, -1.6, -0.5)
    assert row["note"] == "posted as control minus active: sign reversed"


def test_several_time_points_pick_the_endpoints_hour_or_say_they_cannot():
    two_times = measure(
        "Pain Freedom",
        GROUPS,
        ["10", "25"],
        param_type="COUNT_OF_PARTICIPANTS",
        unit="Participants",
        denoms=["100", "100"],
    )
    two_times["classes"] = [
        {
            "title": "1 hour",
            "categories": [
                {"measurements": [{"groupId": "OG000", "value": "5"}, {"groupId": "OG001", "value": "12"}]}
            ],
        },
        {
            "title": "2 hours",
            "categories": [
                {"measurements": [{"groupId": "OG000", "value": "10"}, {"groupId": "OG001", "value": "25"}]}
            ],
        },
    ]
    (row,) = _one(two_times)
    assert row["estimate"] == pytest.approx(2.5)
    msq = measure(
        "Change in MSQ Role Function-Restrictive Score",
        GROUPS,
        ["5", "9"],
        dispersion="Standard Error",
        spreads=["1", "1"],
    )
    msq["classes"] = [
        {
            "title": t,
            "categories": [
                {
                    "measurements": [
                        {"groupId": "OG000", "value": "5", "spread": "1"},
                        {"groupId": "OG001", "value": "9", "spread": "1"},
                    ]
                }
            ],
        }
        for t in ("Week 4", "Week 12")
    ]
    (row,) = _one(msq)
    assert row["not_computed_reason"].endswith("cannot tell which one is the endpoint")


def test_results_without_groups_or_values_still_give_a_row():
    bare = {"type": "PRIMARY", "title": MMD, "paramType": "MEAN"}
    (row,) = _one(bare)
    assert row["not_computed_reason"] == "no result groups posted for this outcome"
    assert row["selected_for_pooling"] is False


def test_absurd_numbers_are_not_effects():
    """Mistyped numbers found by the corrupted-results build test: each is refused with its reason."""
    huge_n = measure(RESP, GROUPS, ["25", "40"], param_type="NUMBER", unit="Percentage of participants")
    huge_n["denoms"] = [
        {"units": "Participants", "counts": [{"groupId": g, "value": "1e308"} for g in ("OG000", "OG001")]}
    ]
    (row,) = _one(huge_n)
    assert row["n_active"] is None and "without the group's number analysed" in row["not_computed_reason"]
    ratio = _ci("1e30", "1e40", value="1e35", ptype="Risk Ratio")
    (row,) = _one({**measure(RESP, GROUPS, ["25", "40"], param_type="NUMBER"), "analyses": [ratio]})
    assert "too large to be an effect" in row["not_computed_reason"]
    tiny = _ci("-1.0", "-1.0", value="-1.0")
    (row,) = _one(measure(MMD, GROUPS, ["-1.8", "-2.9"], denoms=["100", "100"], analyses=[tiny]))
    assert row["estimate"] is None and "standard error" in row["not_computed_reason"]
