"""The outcome tables in the warehouse: derived partitions become marts, the class pools are computed by
the build's Python step from the whole warehouse, and the build refuses outcome partitions that are
missing or derived with another taxonomy."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from outcome_support import tables_of_files, taxonomy, transcribed_files, trial_classes
from refresh_layout import R1, data_settings, part, refresh_run, relabelled, transcribed_docs

from pipeline import steps
from pipeline.config import Settings
from pipeline.errors import WarehouseError
from pipeline.outcomes import endpoint_definitions, outcome_tables
from pipeline.warehouse.build import build_warehouse
from pipeline.warehouse.build_steps import BUILD_STEPS, BuildStep, check_build_steps, run_build_steps
from pipeline.warehouse.sql_files import SqlFile, packaged_sql_files
from pipeline.warehouse.sql_layers import load_warehouse_sql

POOL = ("cgrp_antibody", "mmd_change", "episodic")
POOLED_COLUMNS = ["estimate", "ci_lower", "ci_upper", "tau2", "i2", "prediction_lower", "fixed_estimate"]


def query(settings: Settings, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse.path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = data_settings(tmp_path_factory.mktemp("outcomes_warehouse"))
    refresh_run(settings, R1, transcribed_docs())
    assert build_warehouse(settings).mode == "full"
    return settings


def test_the_pool_in_the_warehouse_is_the_pool_of_the_outcome_layer(built: Settings) -> None:
    ctgov = tables_of_files(transcribed_files())
    expected = outcome_tables(ctgov, trial_classes(ctgov), taxonomy())["class_effects"].to_pylist()
    (want,) = [r for r in expected if (r["treatment_class"], r["endpoint_code"], r["population"]) == POOL]
    columns = ", ".join(["nct_ids", "n_participants", *POOLED_COLUMNS])
    sql = (
        f"SELECT {columns} FROM class_effects WHERE (treatment_class, endpoint_code, population) = (?, ?, ?)"
    )
    (got,) = query(built, sql, *POOL)
    assert got[0] == want["nct_ids"] and got[1] == want["n_participants"]
    assert list(got[2:]) == pytest.approx([want[c] for c in POOLED_COLUMNS], rel=1e-12)


def test_a_trial_of_a_subclass_is_pooled_for_its_ancestors_too(built: Settings) -> None:
    rows = dict(
        query(
            built,
            "SELECT treatment_class, nct_ids FROM class_effects "
            "WHERE endpoint_code = 'mmd_change' AND population = 'episodic'",
        )
    )
    assert set(rows["cgrp"]) == set(rows["cgrp_antibody"]) | set(rows["gepant"])


def test_marts_hold_every_outcome_and_the_configured_endpoints(built: Settings) -> None:
    definitions = endpoint_definitions(taxonomy()).to_pylist()
    got = query(built, "SELECT endpoint_code, label, position FROM endpoints ORDER BY position")
    assert got == [(d["endpoint_code"], d["label"], d["position"]) for d in definitions]
    n_design = query(built, "SELECT count(*) FROM trial_outcomes")[0][0]
    n_results = query(built, "SELECT count(DISTINCT (nct_id, outcome_idx)) FROM trial_results")[0][0]
    by_source = dict(query(built, "SELECT outcome_source, count(*) FROM trial_endpoints GROUP BY 1"))
    assert by_source == {"design": n_design, "results": n_results}
    unexplained = query(
        built, "SELECT count(*) FROM trial_effects WHERE estimate IS NULL AND not_computed_reason IS NULL"
    )
    assert unexplained == [(0,)]


def test_a_run_without_outcome_partitions_is_refused(tmp_path: Path) -> None:
    settings = data_settings(tmp_path)
    refresh_run(settings, R1, transcribed_docs())
    part(settings, "trial_effects").unlink()
    with pytest.raises(
        WarehouseError,
        match=rf"^ctgov run\(s\) {R1} have trials but no trial_effects partition: derive them",
    ):
        build_warehouse(settings)
    assert not settings.warehouse.path.exists()


def test_an_edited_taxonomy_refuses_old_partitions_then_rebuilds_in_full(tmp_path: Path) -> None:
    settings = data_settings(tmp_path)
    refresh_run(settings, R1, transcribed_docs())
    build_warehouse(settings)
    before = settings.warehouse.path.read_bytes()
    edited = relabelled(settings)
    with pytest.raises(
        WarehouseError, match=rf"run\(s\) {R1} have trial_endpoints derived with another outcomes"
    ):
        build_warehouse(edited)
    assert settings.warehouse.path.read_bytes() == before
    steps.recover(edited, "20260301T030000Z-cccc", "ctgov")
    summary = build_warehouse(edited)
    assert summary.mode == "full" and "endpoint taxonomy" in summary.reason
    assert query(edited, "SELECT label FROM endpoints WHERE endpoint_code = 'hit6'") == [
        ("HIT-6 total score (edited)",)
    ]


def test_build_steps_read_only_whole_marts_and_only_later_sql_reads_them() -> None:
    sql = load_warehouse_sql(packaged_sql_files())
    check_build_steps(sql)
    reads_evidence = BuildStep("late", ("evidence",), {}, lambda con, settings: {})
    with pytest.raises(WarehouseError, match="build step 'late' reads evidence, which is not a mart derived"):
        check_build_steps(sql, (*BUILD_STEPS, reads_evidence))
    early = SqlFile(
        "marts/trials/trial_extras.sql",
        "-- grain: x\n-- key: nct_id\n-- incremental: patch by nct_id\n\n"
        "CREATE TABLE trial_extras AS SELECT * FROM src_outcomes_class_effects;\n",
    )
    with pytest.raises(
        WarehouseError, match=r"trial_extras\.sql reads src_outcomes_class_effects, which a build"
    ):
        check_build_steps(load_warehouse_sql([*packaged_sql_files(), early]))


def test_a_build_step_returning_the_wrong_schema_stops_the_build(built: Settings) -> None:
    (pooling,) = BUILD_STEPS
    wrong = BuildStep(pooling.name, pooling.reads, pooling.relations, lambda con, settings: {})
    with (
        duckdb.connect(str(built.warehouse.path), read_only=True) as con,
        pytest.raises(WarehouseError, match="did not return src_outcomes_class_effects with its schema"),
    ):
        run_build_steps(con, built, (wrong,))
