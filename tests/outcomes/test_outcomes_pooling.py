"""Class pools against R metafor, and the rules that keep a trial or a shared control from counting twice.

Reference values: metafor ``rma(y, v, method="PM")`` and ``rma(y, v, method="FE")`` on the nine studies
of Kacker (2004), as quoted in statsmodels' test results (statsmodels/stats/tests/results/results_meta.py:
exk1_metafor, exk1_fe, exk1_dl for the Q-based I²). With Paule-Mandel iterated to convergence the
Hartung-Knapp scale is 1, so the HK interval is the metafor estimate ± t(0.975, 8) x its SE.
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pytest
from outcome_support import taxonomy
from scipy import stats

from pipeline.outcomes import pool_class_effects
from pipeline.outcomes.schemas import CLASS_EFFECT_MEMBERS, CLASS_EFFECTS, TRIAL_EFFECTS, rows_to_table

KACKER_Y = [61.00, 61.40, 62.21, 62.30, 62.34, 62.60, 62.70, 62.84, 65.90]
KACKER_V = [0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]
METAFOR_PM = {
    "b": 62.4076199113286,
    "se": 0.338030602684471,
    "tau2": 0.705395309224248,
    "QE": 24.801897741835,
}
METAFOR_FE = {"b": 62.5833970939982, "ci_lb": 62.3720233953344, "ci_ub": 62.7947707926621}
METAFOR_I2 = 67.744403741711  # Q-based (metafor's DL fit of the same data)


# Short names tests use for an effect row's columns.
EFFECT_ALIASES = {
    "active": "active_group_id",
    "control": "control_group_id",
    "share": "control_variance_share",
    "n1": "n_active",
    "n0": "n_control",
    "idx": "outcome_idx",
    "endpoint": "endpoint_code",
}


def _effect(nct: str, y: float, se: float, **columns: Any) -> dict:
    """A selected primary mean-difference row (95% CI from ``se``); ``columns`` override any column, by
    its name or its short name in EFFECT_ALIASES."""
    row = {
        "nct_id": nct,
        "outcome_idx": 0,
        "outcome_kind": "primary",
        "endpoint_code": "mmd_change",
        "population": "episodic",
        "active_group_id": "OG001",
        "active_group_title": None,  # "Dose <active group>" unless given
        "control_group_id": "OG000",
        "control_group_title": "Placebo",
        "effect_measure": "mean_difference",
        "estimate": y,
        "ci_lower": y - 1.96 * se,
        "ci_upper": y + 1.96 * se,
        "analysis_estimate": y,
        "analysis_se": se,
        "control_variance_share": None,
        "n_active": None,
        "n_control": None,
        "selected_for_pooling": True,
    }
    row |= {EFFECT_ALIASES.get(name, name): value for name, value in columns.items()}
    if row["active_group_title"] is None:
        row["active_group_title"] = f"Dose {row['active_group_id']}"
    return row


def _classes(ncts: list[str], cls: str = "cgrp_antibody") -> pa.Table:
    return pa.table({"nct_id": ncts, "treatment_class": [cls] * len(ncts)})


def test_random_and_fixed_effects_match_metafor():
    rows = [
        _effect(f"NCT{i:08d}", y, math.sqrt(v))
        for i, (y, v) in enumerate(zip(KACKER_Y, KACKER_V, strict=True))
    ]
    pooled = pool_class_effects(
        rows_to_table(rows, TRIAL_EFFECTS), _classes([r["nct_id"] for r in rows]), taxonomy()
    )
    assert pooled.class_effects.schema == CLASS_EFFECTS and pooled.members.schema == CLASS_EFFECT_MEMBERS
    (p,) = pooled.class_effects.to_pylist()
    assert p["tau2"] == pytest.approx(METAFOR_PM["tau2"], abs=1e-4)
    assert p["estimate"] == pytest.approx(METAFOR_PM["b"], abs=1e-5)
    assert p["analysis_se"] == pytest.approx(METAFOR_PM["se"], abs=1e-4)
    half = stats.t.ppf(0.975, 8) * METAFOR_PM["se"]
    assert (p["ci_lower"], p["ci_upper"]) == pytest.approx(
        (METAFOR_PM["b"] - half, METAFOR_PM["b"] + half), abs=1e-3
    )
    assert p["q"] == pytest.approx(METAFOR_PM["QE"], abs=1e-8)
    assert p["i2"] == pytest.approx(METAFOR_I2, abs=1e-8)
    assert (p["fixed_estimate"], p["fixed_ci_lower"], p["fixed_ci_upper"]) == pytest.approx(
        (METAFOR_FE["b"], METAFOR_FE["ci_lb"], METAFOR_FE["ci_ub"]), abs=1e-8
    )
    # Higgins, Thompson & Spiegelhalter 2009: mu ± t(k-2) sqrt(tau² + SE²), with metafor's PM values.
    pi = stats.t.ppf(0.975, 7) * math.sqrt(METAFOR_PM["tau2"] + METAFOR_PM["se"] ** 2)
    assert (p["prediction_lower"], p["prediction_upper"]) == pytest.approx(
        (METAFOR_PM["b"] - pi, METAFOR_PM["b"] + pi), abs=1e-3
    )
    assert (p["n_trials"], p["n_comparisons"]) == (9, 9)
    assert sum(pooled.members.column("weight_random").to_pylist()) == pytest.approx(100.0)


def test_a_shared_control_is_split_among_the_doses_and_counted_once():
    rows = [
        _effect("NCT1", -1.0, 0.3, active="OG001", share=0.5, n1=100, n0=200),
        _effect("NCT1", -2.0, 0.3, active="OG002", share=0.5, n1=100, n0=200),
        _effect("NCT2", -1.5, 0.25, share=None, n1=150, n0=150),
    ]
    pooled = pool_class_effects(rows_to_table(rows, TRIAL_EFFECTS), _classes(["NCT1", "NCT2"]), taxonomy())
    members = pooled.members.to_pylist()
    # Two comparisons share NCT1's control: its variance component (half) doubles: 0.09 * (1 + 0.5).
    assert [m["variance_used"] for m in members] == pytest.approx([0.09 * 1.5, 0.09 * 1.5, 0.0625])
    assert [m["control_split"] for m in members] == [2, 2, 1]
    (p,) = pooled.class_effects.to_pylist()
    assert p["n_participants"] == 100 + 100 + 200 + 150 + 150
    assert p["n_trials"] == 2 and p["prediction_lower"] is not None
    assert "split among them" in p["note"]


def test_an_unknown_variance_share_is_split_in_the_most_cautious_way():
    rows = [
        _effect("NCT1", -1.0, 0.3, active="OG001"),
        _effect("NCT1", -2.0, 0.3, active="OG002"),
        _effect("NCT2", -1.5, 0.3),
    ]
    pooled = pool_class_effects(rows_to_table(rows, TRIAL_EFFECTS), _classes(["NCT1", "NCT2"]), taxonomy())
    assert [m["variance_used"] for m in pooled.members.to_pylist()] == pytest.approx([0.18, 0.18, 0.09])
    assert "leaves out arms" in pooled.class_effects.to_pylist()[0]["note"]


def test_one_trial_is_its_own_estimate_not_a_random_effects_pool():
    rows = [
        _effect("NCT1", -1.0, 0.3, active="OG001", share=0.5),
        _effect("NCT1", -2.0, 0.3, active="OG002", share=0.5),
    ]
    (p,) = pool_class_effects(
        rows_to_table(rows, TRIAL_EFFECTS), _classes(["NCT1"]), taxonomy()
    ).class_effects.to_pylist()
    assert p["method"].startswith("one trial")
    assert p["estimate"] == pytest.approx(-1.5)
    assert p["analysis_se"] == pytest.approx(math.sqrt(0.135 / 2))
    assert p["tau2"] is None and p["prediction_lower"] is None


def test_only_selected_rows_of_classified_trials_enter_per_class_endpoint_and_population():
    rows = [
        _effect("NCT1", -1.0, 0.3),
        _effect("NCT1", -9.0, 0.3, idx=3, selected_for_pooling=False),
        _effect("NCT2", -1.2, 0.3, population="chronic"),
        _effect("NCT3", -1.1, 0.3, population=None),
        _effect("NCT4", 1.5, 0.2, endpoint="responder_50"),
        _effect("NCT9", -5.0, 0.3),  # in no class
    ]
    classes = pa.table(
        {
            "nct_id": ["NCT1", "NCT2", "NCT3", "NCT4", "NCT1"],
            "treatment_class": ["cgrp_antibody", "cgrp_antibody", "cgrp_antibody", "gepant", "cgrp"],
        }
    )
    pooled = pool_class_effects(
        rows_to_table(rows, TRIAL_EFFECTS), classes, taxonomy()
    ).class_effects.to_pylist()
    keys = [(p["treatment_class"], p["endpoint_code"], p["population"], p["nct_ids"]) for p in pooled]
    assert keys == [
        ("cgrp", "mmd_change", "episodic", ["NCT1"]),
        ("cgrp_antibody", "mmd_change", "chronic", ["NCT2"]),
        ("cgrp_antibody", "mmd_change", "episodic", ["NCT1"]),
        ("cgrp_antibody", "mmd_change", "not_stated", ["NCT3"]),
        ("gepant", "responder_50", "episodic", ["NCT4"]),
    ]
    assert pooled[2]["estimate"] == pytest.approx(-1.0)


def test_ratios_are_pooled_on_the_log_scale_and_shown_as_ratios():
    rows = [
        _effect(f"NCT{i}", math.log(rr), 0.1, endpoint="responder_50", effect_measure="risk_ratio")
        for i, rr in enumerate([1.5, 1.6, 1.7])
    ]
    (p,) = pool_class_effects(
        rows_to_table(rows, TRIAL_EFFECTS), _classes(["NCT0", "NCT1", "NCT2"]), taxonomy()
    ).class_effects.to_pylist()
    assert p["effect_measure"] == "risk_ratio"
    assert p["estimate"] == pytest.approx(math.exp(p["analysis_estimate"]))
    assert p["estimate"] == pytest.approx((1.5 * 1.6 * 1.7) ** (1 / 3), rel=1e-6)  # equal weights, tau² 0
    assert p["ci_lower"] < p["estimate"] < p["ci_upper"]


def test_no_effects_give_empty_tables_with_their_schemas():
    pooled = pool_class_effects(TRIAL_EFFECTS.empty_table(), _classes([]), taxonomy())
    assert pooled.class_effects.num_rows == 0 and pooled.class_effects.schema == CLASS_EFFECTS
    assert pooled.members.num_rows == 0 and pooled.members.schema == CLASS_EFFECT_MEMBERS
