"""outcome_tables: the one call to wire gives every table with its exact schema, also for a run with no
results, and names a missing input."""

from __future__ import annotations

import pytest
from outcome_support import measure, study, tables_of, taxonomy, trial_classes

from pipeline.outcomes import outcome_tables
from pipeline.outcomes.schemas import TABLES


def test_every_table_with_its_schema_for_a_run_without_results():
    doc = study("NCT90000002", [("Placebo", "PLACEBO_COMPARATOR")], [])
    del doc["resultsSection"]
    doc["protocolSection"]["outcomesModule"] = {
        "primaryOutcomes": [{"measure": "Monthly migraine days change"}]
    }
    ctgov = tables_of([doc])
    out = outcome_tables(ctgov, trial_classes(ctgov), taxonomy())
    assert set(out) == set(TABLES)
    for name, table in out.items():
        assert table.schema == TABLES[name], name
    assert out["trial_endpoints"].column("endpoint_code").to_pylist() == ["mmd_change"]
    assert out["trial_effects"].num_rows == 0 and out["class_effects"].num_rows == 0


def test_a_missing_input_table_is_named():
    ctgov = tables_of([study("NCT90000003", [("Placebo", "PLACEBO_COMPARATOR")], [])])
    del ctgov["result_analyses"]
    with pytest.raises(ValueError, match="need the ctgov tables result_analyses"):
        outcome_tables(ctgov, trial_classes({**ctgov}), taxonomy())


def test_effects_of_a_run_are_deterministic():
    arms = [("Placebo", "PLACEBO_COMPARATOR"), ("Testumab 70 mg", "EXPERIMENTAL")]
    out = measure(
        "Change From Baseline in Monthly Migraine Days",
        ["Placebo", "Testumab 70 mg"],
        ["-1.8", "-2.9"],
        dispersion="Standard Deviation",
        spreads=["3.0", "3.1"],
        denoms=["120", "118"],
    )
    ctgov = tables_of([study("NCT90000004", arms, [out])])
    first = outcome_tables(ctgov, trial_classes(ctgov), taxonomy())
    second = outcome_tables(ctgov, trial_classes(ctgov), taxonomy())
    for name in TABLES:
        assert first[name].equals(second[name]), name
    (row,) = first["trial_effects"].to_pylist()
    assert row["estimate"] == pytest.approx(-1.1)
    assert row["analysis_se"] == pytest.approx((3.1**2 / 118 + 3.0**2 / 120) ** 0.5)
