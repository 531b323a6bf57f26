"""The five real records with posted results (shared fixtures ctgov/studies/; none is about migraine).

Their outcomes map to `other` or to the safety endpoints, and their posted groups are as messy as the
registry gets (open-label sequences, abbreviated arm names); each mapped outcome still gives rows with
reasons. Their posted shapes (LS means with SE, 90% CIs, percentage outcomes) are then run through the
effect code by mapping chosen outcomes to endpoints, to check it reads real posted tables."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from outcome_support import REAL_WITH_RESULTS, tables_of_files, taxonomy

from pipeline.outcomes import compute_effects, trial_outcome_tables


@pytest.fixture(scope="module")
def real_tables(fixtures_dir):
    return tables_of_files([fixtures_dir / "ctgov" / "studies" / f"{n}.json" for n in REAL_WITH_RESULTS])


def test_every_outcome_is_mapped_and_the_safety_outcomes_explain_why_no_effect(real_tables):
    out = trial_outcome_tables(real_tables, taxonomy())
    endpoints = out["trial_endpoints"]
    n_outcomes = real_tables["design_outcomes"].num_rows + real_tables["result_outcomes"].num_rows
    assert endpoints.num_rows == n_outcomes
    mapped = {
        (r["nct_id"], r["outcome_idx"], r["endpoint_code"])
        for r in endpoints.to_pylist()
        if r["outcome_source"] == "results" and r["endpoint_code"] != "other"
    }
    assert mapped == {
        ("NCT02552212", 28, "adverse_events"),
        ("NCT02552212", 29, "serious_adverse_events"),
        ("NCT02552212", 30, "ae_discontinuation"),
    }
    effects = out["trial_effects"].to_pylist()
    assert {(r["nct_id"], r["outcome_idx"]) for r in effects} == {(n, i) for n, i, _ in mapped}
    assert all(r["estimate"] is None and r["not_computed_reason"] for r in effects)
    reasons = {r["active_group_title"]: r["not_computed_reason"] for r in effects if r["outcome_idx"] == 28}
    assert (
        reasons["Placebo->OL CZP (SS)"]
        == "group 'Placebo->OL CZP (SS)' is a treatment sequence, not a comparison arm"
    )
    assert reasons["CZP 200 mg Q2W (SS)"] == "outcome group 'CZP 200 mg Q2W (SS)' matches no registered arm"
    assert {r["control_group_title"] for r in effects} == {"Placebo (SS)"}


def _as_endpoint(endpoints: pa.Table, nct_id: str, idx: int, code: str) -> pa.Table:
    rows = [
        r
        for r in endpoints.to_pylist()
        if r["nct_id"] == nct_id and r["outcome_idx"] == idx and r["outcome_source"] == "results"
    ]
    for r in rows:
        r["endpoint_code"] = code
    return pa.Table.from_pylist(rows, schema=endpoints.schema)


def test_real_posted_ls_means_and_90_percent_cis(real_tables):
    endpoints = trial_outcome_tables(real_tables, taxonomy())["trial_endpoints"]
    # NCT02210780 outcome 6 (pruritus NRS change, LS mean with SE, LS mean difference with a 90% CI);
    # the placebo arm is registered as EXPERIMENTAL, so the group title decides.
    chosen = _as_endpoint(endpoints, "NCT02210780", 6, "hit6")
    (row,) = compute_effects(chosen, real_tables, taxonomy()).to_pylist()
    assert row["source"] == "posted_analysis"
    assert row["posted_param_type"] == "LS Mean Difference" and row["posted_value_raw"] == "-2.13"
    assert row["analysis_se"] == pytest.approx(0.354, abs=0.002)  # the SE the sponsor also posted
    assert row["control_rule"] == "group title names a control ('placebo'); its arm is typed EXPERIMENTAL"
    assert (row["n_active"], row["n_control"]) == (94.0, 90.0)
    assert (row["active_value_raw"], row["active_spread_raw"]) == ("-4.24", "0.250")
    # Arm values give the same picture: -4.24 - -2.11 with SE sqrt(0.250² + 0.259²).
    assert row["control_variance_share"] == pytest.approx(0.259**2 / (0.259**2 + 0.250**2))


def test_real_percentage_outcomes_become_counts_of_their_denominators(real_tables):
    endpoints = trial_outcome_tables(real_tables, taxonomy())["trial_endpoints"]
    # NCT02210780 outcome 3: IGA 0/1 responders, 10.3% of 97 vs 44.3% of 97; posted percentage difference.
    chosen = _as_endpoint(endpoints, "NCT02210780", 3, "responder_50")
    (row,) = compute_effects(chosen, real_tables, taxonomy()).to_pylist()
    assert row["source"] == "arm_values"
    assert row["estimate"] == pytest.approx(round(0.443 * 97) / round(0.103 * 97))
    assert "not used: posted analysis 0: it gives a risk difference, not a risk ratio" in row["note"]
    assert row["selected_for_pooling"] is True


def test_tables_filtered_to_one_trial_give_the_same_rows(real_tables):
    keep = pc.is_in(real_tables["result_outcomes"].column("nct_id"), value_set=pa.array(["NCT02552212"]))
    only = {**real_tables, "result_outcomes": real_tables["result_outcomes"].filter(keep)}
    full = trial_outcome_tables(real_tables, taxonomy())["trial_effects"]
    part = trial_outcome_tables(only, taxonomy())["trial_effects"]
    assert part.equals(full)
