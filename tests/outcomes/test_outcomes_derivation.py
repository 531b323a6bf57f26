"""The outcome tables as a per-run derivation of ClinicalTrials.gov: written beside the normalised
tables by steps.derive, stamped with the taxonomy they were derived with, and derived again by recovery
when missing, older than the records or stamped with another taxonomy."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from outcome_support import tables_of
from refresh_layout import R1, data_settings, part, refresh_run, relabelled, transcribed_docs

from pipeline import steps
from pipeline.config import Settings
from pipeline.errors import OutcomeError
from pipeline.parquet.stamp import read_stamp
from pipeline.runs.recovery import StaleRun, stale_runs
from pipeline.sources.ctgov.outcomes import OUTCOMES, PARQUET_TABLES, derive_outcomes, outcome_config_digest
from pipeline.sources.ctgov.source import CTGOV
from pipeline.sources.spec import Derivation


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return data_settings(tmp_path)


def test_derive_writes_each_table_stamped_with_each_trials_provenance(settings: Settings) -> None:
    refresh_run(settings, R1, transcribed_docs())
    trials = pq.read_table(part(settings, "trials"))
    for table, schema in PARQUET_TABLES.items():
        written = pq.read_table(part(settings, table))
        assert written.schema.equals(schema, check_metadata=False), table
        assert read_stamp(part(settings, table)) == outcome_config_digest(settings)
        assert set(written.column("run_id").to_pylist()) == {R1}
        fetched = dict(
            zip(trials.column("nct_id").to_pylist(), trials.column("fetched_at").to_pylist(), strict=True)
        )
        for nct_id, at in zip(
            written.column("nct_id").to_pylist(), written.column("fetched_at").to_pylist(), strict=True
        ):
            assert at == fetched[nct_id]
    effects = pq.read_table(part(settings, "trial_effects"))
    assert pc.sum(effects.column("selected_for_pooling")).as_py() > 10


def test_steps_derive_counts_rows_and_a_source_without_derivations_writes_nothing(settings: Settings) -> None:
    refresh_run(settings, R1, transcribed_docs())
    counts = steps.derive(settings, "ctgov", R1)
    assert set(counts) == set(PARQUET_TABLES) and counts["trial_endpoints"] > counts["trial_effects"] > 0
    assert steps.derive(settings, "pubmed", R1) == {}


def test_without_a_taxonomy_the_tables_are_empty_and_stamped_as_such(settings: Settings) -> None:
    bare = settings.model_copy(update={"endpoints": None})
    refresh_run(bare, R1, transcribed_docs())
    assert pq.read_table(part(bare, "trial_endpoints")).num_rows == 0
    assert read_stamp(part(bare, "trial_endpoints")) == outcome_config_digest(bare)
    assert outcome_config_digest(bare) != outcome_config_digest(settings)


def test_the_digest_follows_the_taxonomy_and_the_control_terms_only(settings: Settings) -> None:
    digest = outcome_config_digest(settings)
    assert outcome_config_digest(relabelled(settings)) != digest
    terms = settings.classifier.model_copy(update={"control_terms": ["placebo"]})
    assert outcome_config_digest(settings.model_copy(update={"classifier": terms})) != digest
    assert outcome_config_digest(settings.model_copy(update={"user_agent": "other"})) == digest


def test_outcome_rows_of_a_trial_the_run_lacks_are_refused(settings: Settings) -> None:
    inputs = tables_of(transcribed_docs()[:2])
    inputs["trials"] = inputs["trials"].slice(0, 1)
    with pytest.raises(OutcomeError, match=r"^outcome rows for NCT\d+, which the run's trials table lacks"):
        derive_outcomes(settings, inputs)


def test_a_derivation_writing_a_normalised_table_is_refused_when_declared() -> None:
    clash = Derivation(
        "clash", {"trials": PARQUET_TABLES["trial_effects"]}, ("trials",), derive_outcomes, str
    )
    with pytest.raises(ValueError, match="source ctgov: derived table trials is written twice"):
        dataclasses.replace(CTGOV, derivations=(OUTCOMES, clash))
    unknown = dataclasses.replace(OUTCOMES, name="x", tables={}, inputs=("no_such_table",))
    with pytest.raises(ValueError, match="source ctgov: no_such_table not among its tables"):
        dataclasses.replace(CTGOV, derivations=(unknown,))


# -- recovery ------------------------------------------------------------------------------------------


def test_a_missing_outcome_partition_is_derived_again_by_recovery(settings: Settings) -> None:
    refresh_run(settings, R1, transcribed_docs())
    assert stale_runs(settings, ("ctgov",)) == []
    before = pq.read_table(part(settings, "trial_effects"))
    part(settings, "trial_effects").unlink()
    assert stale_runs(settings, ("ctgov",)) == [StaleRun("ctgov", R1, False, False, True)]
    result = steps.recover(settings, "20260301T030000Z-cccc", "ctgov")
    assert result["caught_up"] == [f"ctgov:{R1}"]
    assert pq.read_table(part(settings, "trial_effects")).equals(before)
    assert stale_runs(settings, ("ctgov",)) == []


def test_outcomes_older_than_the_records_are_derived_again(settings: Settings) -> None:
    refresh_run(settings, R1, transcribed_docs())
    old = part(settings, "trial_endpoints").stat().st_mtime - 60
    os.utime(part(settings, "trial_endpoints"), (old, old))
    assert stale_runs(settings, ("ctgov",)) == [StaleRun("ctgov", R1, False, False, True)]


def test_an_edited_taxonomy_makes_every_run_stale_until_derived_again(settings: Settings) -> None:
    refresh_run(settings, R1, transcribed_docs())
    edited = relabelled(settings)
    assert stale_runs(edited, ("ctgov",)) == [StaleRun("ctgov", R1, False, False, True)]
    steps.recover(edited, "20260301T030000Z-cccc", "ctgov")
    assert read_stamp(part(edited, "trial_effects")) == outcome_config_digest(edited)
    assert stale_runs(edited, ("ctgov",)) == []
    assert stale_runs(settings, ("ctgov",)) != []  # and back: the old config sees another stamp


def test_classifier_output_and_outcomes_are_recovered_independently(settings: Settings) -> None:
    refresh_run(settings, R1, transcribed_docs())
    part(settings, "trial_classes").unlink()
    assert stale_runs(settings, ("ctgov",)) == [StaleRun("ctgov", R1, False, True, False)]
