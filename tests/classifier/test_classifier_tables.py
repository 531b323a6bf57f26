"""classify_ctgov_tables: Arrow tables of one run in, TRIAL_CLASSES out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.classify.classifier import Classifier, ClassifyError, classify_ctgov_tables
from pipeline.config import load_config
from pipeline.sources.ctgov.normalise.schemas import (
    ARMS,
    INTERVENTION_MESH,
    INTERVENTIONS,
    TRIAL_CLASSES,
    TRIALS,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FETCHED_A = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
FETCHED_B = datetime(2026, 11, 2, 10, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.from_settings(load_config(REPO_ROOT / "config.yaml"))


def classify_ctgov(
    interventions: pa.Table,
    arms: pa.Table,
    classifier: Classifier,
    trials: pa.Table | None = None,
    mesh: pa.Table | None = None,
) -> pa.Table:
    """The adapter with empty trials and MeSH tables unless given."""
    trials = TRIALS.empty_table() if trials is None else trials
    mesh = INTERVENTION_MESH.empty_table() if mesh is None else mesh
    return classify_ctgov_tables(trials, interventions, arms, mesh, classifier)


def provenance(fetched_at: datetime) -> dict:
    return {"run_id": "20261102T100000Z-ab12", "fetched_at": fetched_at, "data_timestamp": "2026-11-01T09:00"}


def intervention_rows() -> list[dict]:
    base = {"description": None, "other_names": None, "arm_group_labels": None}
    return [
        {**base, "nct_id": "NCT00000002", "intervention_idx": 0, "intervention_type": "DRUG",
         "name": "Rimegepant", "other_names": ["BHV-3000"], **provenance(FETCHED_B)},
        {**base, "nct_id": "NCT00000002", "intervention_idx": 1, "intervention_type": "DRUG",
         "name": "Placebo", "description": "matching rimegepant", **provenance(FETCHED_B)},
        {**base, "nct_id": "NCT00000001", "intervention_idx": 0, "intervention_type": "DEVICE",
         "name": "gammaCore", **provenance(FETCHED_A)},
        {**base, "nct_id": "NCT00000003", "intervention_idx": 0, "intervention_type": "DRUG",
         "name": "Propranolol", **provenance(FETCHED_A)},
    ]  # fmt: skip


def arm_rows() -> list[dict]:
    return [
        {"nct_id": "NCT00000004", "arm_idx": 0, "label": "Ketamine", "arm_type": "EXPERIMENTAL",
         "description": "Ketamine 0.2 mg/kg IV", "intervention_names": None, **provenance(FETCHED_A)},
    ]  # fmt: skip


def test_rows_follow_the_schema_with_each_trials_provenance(classifier):
    interventions = pa.Table.from_pylist(intervention_rows(), schema=INTERVENTIONS)
    arms = pa.Table.from_pylist(arm_rows(), schema=ARMS)
    out = classify_ctgov(interventions, arms, classifier)
    assert out.schema == TRIAL_CLASSES
    rows = out.to_pylist()
    summary = [(r["nct_id"], r["treatment_class"], r["matched_field"], r["matched_term"]) for r in rows]
    assert summary == [
        ("NCT00000001", "nvns", "intervention.name", "gammaCore"),
        ("NCT00000002", "cgrp", "child_class", "gepant"),
        ("NCT00000002", "gepant", "intervention.name", "rimegepant"),
        ("NCT00000002", "gepant", "intervention.other_name", "BHV-3000"),
        ("NCT00000004", "ketamine", "arm.description", "ketamine"),
        ("NCT00000004", "ketamine", "arm.label", "ketamine"),
    ]
    fetched = {r["nct_id"]: r["fetched_at"] for r in rows}
    assert fetched == {
        "NCT00000001": FETCHED_A,
        "NCT00000002": FETCHED_B,
        "NCT00000004": FETCHED_A,
    }
    assert {r["run_id"] for r in rows} == {"20261102T100000Z-ab12"}
    assert {r["data_timestamp"] for r in rows} == {"2026-11-01T09:00"}
    parent = next(r for r in rows if r["treatment_class"] == "cgrp")
    assert parent["matched_text"] is None


def test_interventions_and_arms_of_one_trial_are_classified_together(classifier):
    interventions = pa.Table.from_pylist(
        [{"nct_id": "NCT00000005", "intervention_idx": 0, "intervention_type": "DRUG", "name": "Saline",
          "description": "Looks like erenumab", "other_names": None, "arm_group_labels": ["Control"],
          **provenance(FETCHED_A)}],
        schema=INTERVENTIONS,
    )  # fmt: skip
    arms = pa.Table.from_pylist(
        [{"nct_id": "NCT00000005", "arm_idx": 0, "label": "Control", "arm_type": "PLACEBO_COMPARATOR",
          "description": None, "intervention_names": ["Drug: Saline"], **provenance(FETCHED_A)}],
        schema=ARMS,
    )  # fmt: skip
    # Without the arm, the saline would look active; with it, it is a control.
    assert classify_ctgov(interventions, ARMS.empty_table(), classifier).num_rows == 2
    assert classify_ctgov(interventions, arms, classifier).num_rows == 0


def test_empty_inputs_give_an_empty_table(classifier):
    out = classify_ctgov(INTERVENTIONS.empty_table(), ARMS.empty_table(), classifier)
    assert out.num_rows == 0
    assert out.schema == TRIAL_CLASSES


def test_missing_columns_are_named(classifier):
    interventions = INTERVENTIONS.empty_table().drop_columns(["other_names", "run_id"])
    with pytest.raises(ClassifyError, match=r"interventions table lacks column\(s\) other_names, run_id"):
        classify_ctgov(interventions, ARMS.empty_table(), classifier)


def test_a_bad_value_names_the_trial(classifier):
    rows = [{**intervention_rows()[0], "other_names": None}]
    table = pa.Table.from_pylist(rows, schema=INTERVENTIONS)
    bad = table.set_column(table.column_names.index("name"), "name", pa.array([7], pa.int64()))
    with pytest.raises(ClassifyError, match=r"^NCT00000002: intervention name must be text"):
        classify_ctgov(bad, ARMS.empty_table(), classifier)


def test_a_row_without_nct_id_is_refused(classifier):
    rows = [{**intervention_rows()[0], "nct_id": None}]
    schema = INTERVENTIONS.set(0, pa.field("nct_id", pa.string()))
    table = pa.Table.from_pylist(rows, schema=schema)
    with pytest.raises(ClassifyError, match="interventions row 0 has no nct_id"):
        classify_ctgov(table, ARMS.empty_table(), classifier)
