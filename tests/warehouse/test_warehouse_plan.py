"""The build planner: every reason a build must be full, when it may be incremental, and the fingerprint.

``plan_build`` is pure, so these tests hand it PreviousBuild and PartitionFile values directly; only
``read_previous_build`` touches small DuckDB files.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from pipeline.sources.registry import SOURCES
from pipeline.sources.spec import Versions
from pipeline.warehouse import plan as warehouse_plan
from pipeline.warehouse.plan import (
    BuildPlan,
    PreviousBuild,
    fingerprint,
    plan_build,
    read_previous_build,
)
from pipeline.warehouse.relations import PartitionFile
from pipeline.warehouse.sql_files import SqlFile, packaged_sql_files

R1 = "20260101T030000Z-aaaa"
R2 = "20260201T030000Z-bbbb"
R3 = "20260301T030000Z-cccc"
R4 = "20260401T030000Z-dddd"
PRINT = "f" * 64
FINGERPRINT_CHANGED = (
    "the warehouse SQL, Parquet schemas, treatment classes, endpoint taxonomy or DuckDB version "
    "changed since the last build"
)


def part(source: str, table: str, run_id: str, size: int = 100, modified_ns: int = 1) -> PartitionFile:
    return PartitionFile(
        source, table, run_id, f"{source}/{table}/run_id={run_id}/part-00000.parquet", size, modified_ns
    )


def run_files(run_id: str, *sources: str) -> list[PartitionFile]:
    """A run's records and classes of each source, as a refresh writes them."""
    tables = {"ctgov": ("trials", "rereads", "trial_classes"), "pubmed": ("publications", "deleted_pmids")}
    return [part(s, t, run_id) for s in sources for t in tables[s]]


OLD = run_files(R1, "ctgov", "pubmed") + run_files(R2, "ctgov", "pubmed")
PREVIOUS = PreviousBuild(PRINT, tuple(OLD))


def plan(
    files: list[PartitionFile],
    previous: PreviousBuild | str = PREVIOUS,
    modes: dict[tuple[str, str], str] | None = None,
    succeeded: tuple[str, ...] = (R1, R2),
    force_full: str | None = None,
    print_now: str = PRINT,
) -> BuildPlan:
    """Plan with every new run an incremental pull unless ``modes`` says otherwise."""
    runs = {(f.source, f.run_id) for f in files}
    all_modes = {run: "incremental" for run in runs} | {("ctgov", R1): "full", ("pubmed", R1): "full"}
    succeeded_runs = {"ctgov": list(succeeded)}
    return plan_build(previous, files, print_now, all_modes | (modes or {}), succeeded_runs, force_full)


def assert_full(result: BuildPlan, reason: str, fingerprint_now: str = PRINT) -> None:
    assert (result.mode, result.reason) == ("full", reason)
    assert result.fingerprint == fingerprint_now  # what the new warehouse records
    assert (result.new_files, result.new_runs) == ((), {})


# -- incremental ----------------------------------------------------------------------------------------


def test_new_incremental_runs_of_both_sources_update_in_place() -> None:
    new = run_files(R3, "ctgov", "pubmed")
    result = plan(OLD + new)
    assert (result.mode, result.reason) == ("incremental", "ctgov 1 new run(s), pubmed 1 new run(s)")
    assert result.fingerprint == PRINT
    assert result.new_files == tuple(new)
    assert result.new_runs == {"ctgov": (R3,), "pubmed": (R3,)}


def test_several_new_runs_are_listed_oldest_first() -> None:
    """Run 3's build failed (never succeeded): run 4's build reads both; the baseline is still run 2."""
    new = run_files(R4, "ctgov") + run_files(R3, "ctgov")
    result = plan(OLD + new, succeeded=(R1, R2))
    assert result.mode == "incremental"
    assert result.new_runs == {"ctgov": (R3, R4)}
    assert set(result.new_files) == set(new)


def test_nothing_new_is_an_incremental_build() -> None:
    """The run log or raw manifests may still have changed: the whole-warehouse tables are redone."""
    result = plan(OLD)
    assert (result.mode, result.reason, result.new_files, result.new_runs) == (
        "incremental",
        "no new partitions",
        (),
        {},
    )


def test_a_pubmed_only_run_does_not_need_a_ctgov_baseline() -> None:
    result = plan(OLD + run_files(R3, "pubmed"), succeeded=())
    assert (result.mode, result.new_runs) == ("incremental", {"pubmed": (R3,)})


def test_a_previous_build_without_trials_has_no_baseline_to_keep() -> None:
    previous = PreviousBuild(PRINT, tuple(run_files(R1, "pubmed")))
    result = plan(run_files(R1, "pubmed") + run_files(R2, "ctgov"), previous=previous, succeeded=())
    assert (result.mode, result.new_runs) == ("incremental", {"ctgov": (R2,)})


# -- full -----------------------------------------------------------------------------------------------


def test_a_forced_full_build_gives_its_reason() -> None:
    assert_full(plan(OLD + run_files(R3, "ctgov"), force_full="evidence rebuild"), "evidence rebuild")


@pytest.mark.parametrize(
    "why",
    [
        "no previous warehouse",
        "the previous warehouse predates incremental builds",
        "the previous warehouse cannot be opened (IO Error: ...)",
    ],
)
def test_without_a_readable_previous_build_the_build_is_full(why: str) -> None:
    assert_full(plan(OLD, previous=why), why)


def test_a_different_fingerprint_means_full() -> None:
    assert_full(plan(OLD, print_now="0" * 64), FINGERPRINT_CHANGED, "0" * 64)


def test_a_partition_read_last_time_and_gone_means_full() -> None:
    gone = part("pubmed", "deleted_pmids", R1)
    files = [f for f in OLD if f != gone]
    assert_full(plan(files), f"partition file {gone.file} read by the last build is gone")


@pytest.mark.parametrize("change", [{"size": 101}, {"modified_ns": 2}], ids=["size", "mtime"])
def test_a_partition_rewritten_since_the_last_build_means_full(change: dict[str, int]) -> None:
    """A re-normalised or re-classified old run may change any record: its file is not as read."""
    old = part("ctgov", "trial_classes", R1)
    files = [part("ctgov", "trial_classes", R1, **change) if f == old else f for f in OLD]
    assert_full(plan(files), f"partition file {old.file} changed since the last build")


@pytest.mark.parametrize(
    ("source", "run_id"),
    [("ctgov", "20260115T030000Z-eeee"), ("ctgov", R2), ("pubmed", "20260115T030000Z-eeee")],
    ids=["ctgov-older", "ctgov-same-run", "pubmed-older"],
)
def test_new_partitions_of_a_run_not_newer_than_the_last_build_mean_full(source: str, run_id: str) -> None:
    """An older run normalised late (or a table added to a run already read) may hold superseded rows."""
    late = part(source, "conditions" if source == "ctgov" else "publication_mesh", run_id)
    assert_full(
        plan([*OLD, late]), f"new {source} partitions for run {run_id}, not newer than the last build's {R2}"
    )


def test_the_newest_run_per_source_is_what_counts() -> None:
    """A PubMed run older than the newest ctgov run but newer than the newest PubMed run is fine."""
    previous = PreviousBuild(PRINT, tuple(OLD + run_files(R3, "ctgov")))
    result = plan(
        OLD + run_files(R3, "ctgov") + run_files(R3, "pubmed"), previous=previous, succeeded=(R1, R2, R3)
    )
    assert (result.mode, result.new_runs) == ("incremental", {"pubmed": (R3,)})


@pytest.mark.parametrize("source", ["ctgov", "pubmed"])
def test_a_new_full_pull_means_full(source: str) -> None:
    """A full pull's absences remove records that no new partition mentions."""
    result = plan(OLD + run_files(R3, "ctgov", "pubmed"), modes={(source, R3): "full"})
    assert_full(result, f"{source} run {R3} is a full pull: its absences may remove any record")


def test_a_new_run_without_a_complete_raw_manifest_counts_as_a_full_pull() -> None:
    files = OLD + run_files(R3, "ctgov")
    result = plan_build(PREVIOUS, files, PRINT, {("ctgov", R1): "full"}, {"ctgov": [R1, R2]})
    assert_full(result, f"ctgov run {R3} is a full pull: its absences may remove any record")


@pytest.mark.parametrize(
    "succeeded",
    [(R1,), (), (R1, R3)],
    ids=["newest-read-failed", "no-run-log", "only-the-new-run-succeeded"],
)
def test_a_changes_baseline_older_than_the_newest_run_read_means_full(succeeded: tuple[str, ...]) -> None:
    """The changes table compares with the last succeeded run before the newest: if that is older than
    what the previous build read, untouched trials may have changed since the baseline."""
    result = plan(OLD + run_files(R3, "ctgov"), succeeded=succeeded)
    assert_full(
        result,
        f"the last build read ctgov run {R2}, which did not succeed: "
        "the changes baseline differs from what it published",
    )


def test_the_baseline_may_be_newer_than_the_newest_run_read() -> None:
    """A succeeded ctgov run with no partitions (nothing changed) between the last build and this one."""
    result = plan(OLD + run_files(R4, "ctgov"), succeeded=(R1, R2, R3))
    assert (result.mode, result.new_runs) == ("incremental", {"ctgov": (R4,)})


def test_only_trials_and_rereads_define_the_newest_run_read() -> None:
    """Classes of run 2 without its trials do not make run 2 the run read (nothing was read in it)."""
    old = [*run_files(R1, "ctgov"), part("ctgov", "trial_classes", R2)]
    previous = PreviousBuild(PRINT, tuple(old))
    result = plan(old + run_files(R3, "ctgov"), previous=previous, succeeded=(R1,))
    assert result.mode == "incremental"


# -- fingerprint ----------------------------------------------------------------------------------------

SQL = [SqlFile("10_staging.sql", "CREATE TEMP VIEW a AS SELECT 1;"), SqlFile("30_marts.sql", "SELECT 2;")]
CLASS_ROWS: list[dict[str, Any]] = [
    {
        "treatment_class": "gepant",
        "label": "Gepants",
        "parent": None,
        "terms": ["ubrogepant"],
        "intervention_types": None,
        "sort_order": 0,
    }
]


def test_fingerprint_is_stable_for_the_same_inputs() -> None:
    assert fingerprint(SQL, CLASS_ROWS) == fingerprint(list(SQL), [dict(r) for r in CLASS_ROWS])
    assert fingerprint(packaged_sql_files(), CLASS_ROWS) == fingerprint(packaged_sql_files(), CLASS_ROWS)
    assert len(fingerprint(SQL, CLASS_ROWS)) == 64


@pytest.mark.parametrize(
    "sql",
    [
        [SQL[0], SqlFile("30_marts.sql", "SELECT 2; -- comment")],
        [SQL[0], SqlFile("31_marts.sql", "SELECT 2;")],
        [SQL[0]],
        [*SQL, SqlFile("40_more.sql", "")],
    ],
    ids=["text", "name", "removed", "added"],
)
def test_fingerprint_changes_with_the_sql(sql: list[SqlFile]) -> None:
    assert fingerprint(sql, CLASS_ROWS) != fingerprint(SQL, CLASS_ROWS)


@pytest.mark.parametrize(
    "change",
    [
        {"terms": ["ubrogepant", "rimegepant"]},
        {"label": "Gepants (oral)"},
        {"parent": "cgrp"},
        {"sort_order": 1},
    ],
)
def test_fingerprint_changes_with_a_class_row(change: dict[str, Any]) -> None:
    assert fingerprint(SQL, [{**CLASS_ROWS[0], **change}]) != fingerprint(SQL, CLASS_ROWS)
    assert fingerprint(SQL, [*CLASS_ROWS, {**CLASS_ROWS[0], "treatment_class": "x"}]) != fingerprint(
        SQL, CLASS_ROWS
    )


def test_fingerprint_changes_with_a_parquet_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    before = fingerprint(SQL, CLASS_ROWS)
    ctgov, pubmed = SOURCES["ctgov"], SOURCES["pubmed"]
    wider = ctgov.tables["trials"].append(pa.field("new_column", pa.string()))
    monkeypatch.setitem(SOURCES, "ctgov", replace(ctgov, tables={**ctgov.tables, "trials": wider}))
    assert fingerprint(SQL, CLASS_ROWS) != before
    monkeypatch.undo()
    assert fingerprint(SQL, CLASS_ROWS) == before
    extra = {**pubmed.tables, "publication_extra": pa.schema([pa.field("pmid", pa.string())])}
    monkeypatch.setitem(SOURCES, "pubmed", replace(pubmed, tables=extra))
    assert fingerprint(SQL, CLASS_ROWS) != before


def test_fingerprint_changes_with_the_versions_relations(monkeypatch: pytest.MonkeyPatch) -> None:
    before = fingerprint(SQL, CLASS_ROWS)
    pubmed = SOURCES["pubmed"]
    wider = Versions(pubmed.versions.relation, (*pubmed.versions.columns, "year"))
    monkeypatch.setitem(SOURCES, "pubmed", replace(pubmed, versions=wider))
    assert fingerprint(SQL, CLASS_ROWS) != before


def test_fingerprint_changes_with_the_duckdb_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new DuckDB may compute a value differently: old and new rows must not be mixed."""
    before = fingerprint(SQL, CLASS_ROWS)
    monkeypatch.setattr(duckdb, "__version__", "99.0.0")
    assert fingerprint(SQL, CLASS_ROWS) != before


def test_fingerprint_changes_with_the_format_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = fingerprint(SQL, CLASS_ROWS)
    monkeypatch.setattr(warehouse_plan, "FORMAT_VERSION", "incremental-999")
    assert fingerprint(SQL, CLASS_ROWS) != before


# -- reading the previous build -------------------------------------------------------------------------


def test_no_previous_warehouse(tmp_path: Path) -> None:
    assert read_previous_build(tmp_path / "missing.duckdb") == "no previous warehouse"


def test_a_file_that_is_not_a_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "evidence.duckdb"
    path.write_bytes(b"not a duckdb file at all" * 200)
    reason = read_previous_build(path)
    assert isinstance(reason, str)
    assert reason.startswith("the previous warehouse cannot be opened (")
    assert "\n" not in reason


def make_db(path: Path, *statements: str) -> Path:
    con = duckdb.connect(str(path))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()
    return path


INPUTS_TABLE = (
    "CREATE TABLE warehouse_inputs (source VARCHAR, table_name VARCHAR, run_id VARCHAR, file VARCHAR, "
    "bytes BIGINT, modified_ns BIGINT)"
)


def test_a_warehouse_from_before_incremental_builds(tmp_path: Path) -> None:
    path = make_db(tmp_path / "old.duckdb", "CREATE TABLE warehouse_builds AS SELECT now() AS built_at")
    assert read_previous_build(path) == "the previous warehouse predates incremental builds"


def test_a_warehouse_without_a_fingerprint(tmp_path: Path) -> None:
    path = make_db(
        tmp_path / "old.duckdb", INPUTS_TABLE, "CREATE TABLE warehouse_builds AS SELECT NULL AS fingerprint"
    )
    assert read_previous_build(path) == "the previous warehouse has no build fingerprint"


def test_a_warehouse_whose_build_record_cannot_be_read(tmp_path: Path) -> None:
    path = make_db(tmp_path / "old.duckdb", INPUTS_TABLE, "CREATE TABLE warehouse_builds AS SELECT 1 AS x")
    reason = read_previous_build(path)
    assert isinstance(reason, str)
    assert reason.startswith("the previous warehouse's build record cannot be read (")


def test_the_previous_build_is_its_fingerprint_and_inputs(tmp_path: Path) -> None:
    ctgov = part("ctgov", "trials", R1, size=123, modified_ns=1_767_236_700_123_456_789)
    pubmed = part("pubmed", "publications", R1)
    path = make_db(
        tmp_path / "evidence.duckdb",
        INPUTS_TABLE,
        *(
            f"INSERT INTO warehouse_inputs VALUES ('{f.source}', '{f.table}', '{f.run_id}', '{f.file}', "
            f"{f.bytes}, {f.modified_ns})"
            for f in (ctgov, pubmed)
        ),
        f"CREATE TABLE warehouse_builds AS SELECT '{PRINT}' AS fingerprint",
    )
    previous = read_previous_build(path)
    assert isinstance(previous, PreviousBuild)
    assert previous.fingerprint == PRINT
    assert sorted(previous.inputs, key=lambda f: f.file) == [ctgov, pubmed]
