"""The data checks on hand-made tables: each rule catches what it names and passes clean data; the rules
declared in SQL headers and the check files become the checks a build runs."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from pipeline.sources.ctgov.normalise.phase import CANONICAL_PHASES
from pipeline.warehouse.checks import Check, allowed, not_null, run_checks, unique, warehouse_checks
from pipeline.warehouse.sql_files import SqlFile, packaged_sql_files
from pipeline.warehouse.sql_layers import load_warehouse_sql
from pipeline.warehouse.value_lists import VALUE_LISTS, register_value_lists


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES ('NCT1', 'PHASE2', 'ongoing'), ('NCT1', 'PHASE9', NULL), "
        "('NCT2', NULL, 'completed')) AS v(nct_id, phase, status_group)"
    )
    yield con
    con.close()


def test_unique_reports_duplicate_keys(con: duckdb.DuckDBPyConnection) -> None:
    [failure] = run_checks(con, [unique("t", "nct_id")])
    assert failure.describe() == "t (nct_id) unique (1 failing, e.g. NCT1)"


def test_not_null_reports_the_rows_key(con: duckdb.DuckDBPyConnection) -> None:
    [failure] = run_checks(con, [not_null("t", "status_group")])
    assert (failure.name, failure.examples) == ("t.status_group not null", ("NCT1",))


def test_allowed_values_respects_nullability(con: duckdb.DuckDBPyConnection) -> None:
    [phase] = run_checks(con, [allowed("t", "phase", ["PHASE2"], nullable=True)])
    assert phase.examples == ("PHASE9",)
    [status] = run_checks(con, [allowed("t", "status_group", ["ongoing", "completed"], nullable=False)])
    assert status.examples == ("NULL",)


def test_clean_table_passes(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        run_checks(con, [unique("t", "nct_id", "phase"), allowed("t", "phase", ["PHASE2", "PHASE9"], True)])
        == []
    )


def test_row_rules_of_one_table_counted_together_report_only_the_broken_ones(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The row rules of a table are counted in one scan; each broken one still reports its own rows, in
    the order the checks were given, beside the rules that need a query of their own."""
    con.execute("CREATE TABLE u AS SELECT * FROM (VALUES ('NCT3', 'PHASE2')) AS v(nct_id, phase)")
    checks = [
        not_null("t", "nct_id"),
        allowed("t", "phase", ["PHASE2"], nullable=False),
        not_null("u", "phase"),
        unique("t", "nct_id"),
        not_null("t", "status_group"),
        allowed("u", "phase", ["PHASE3"], nullable=True),
    ]
    failures = [(f.name, f.n_failing, tuple(sorted(f.examples))) for f in run_checks(con, checks)]
    assert failures == [
        ("t.phase allowed values", 2, ("NULL", "PHASE9")),
        ("t (nct_id) unique", 1, ("NCT1",)),
        ("t.status_group not null", 1, ("NCT1",)),
        ("u.phase allowed values", 1, ("PHASE2",)),
    ]


def packaged_check(name: str) -> Check:
    return next(c for c in warehouse_checks(load_warehouse_sql(packaged_sql_files())) if c.name == name)


def test_missing_configured_class_is_named() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE treatment_classes AS SELECT unnest(['triptan', 'gepant']) AS treatment_class")
    con.execute("CREATE TABLE evidence AS SELECT 'triptan' AS treatment_class, 0 AS n_trials")
    [failure] = run_checks(con, [packaged_check("every configured class in evidence")])
    assert failure.examples == ("gepant",)
    con.close()


def test_allowed_values_from_a_value_list_read_the_normalisers_list(con: duckdb.DuckDBPyConnection) -> None:
    """``allowed: phase in phases`` reads the normaliser's own list, registered as src_value_lists."""
    assert VALUE_LISTS["phases"] is CANONICAL_PHASES
    register_value_lists(con)
    [failure] = run_checks(con, [allowed("t", "phase", "phases", nullable=True)])
    assert failure.examples == ("PHASE9",)


HEADER = "-- grain: trial\n-- key: nct_id\n-- incremental: patch by nct_id\n"


def test_header_rules_become_checks() -> None:
    marts = SqlFile(
        "marts/t.sql",
        HEADER + "-- not null: status_group\n-- allowed: phase in phases or null\n"
        "-- allowed: status_group in (ongoing, completed)\n\nCREATE TABLE t AS SELECT 1;\n",
    )
    staging = SqlFile(
        "staging/stg_t.sql", "-- grain: x\n-- key: nct_id\n-- incremental: before splice\n\nSELECT 1;"
    )
    check = SqlFile("checks/t_small.sql", "-- check: t has few rows\n\nSELECT nct_id FROM t LIMIT 0;\n")
    checks = warehouse_checks(load_warehouse_sql([marts, staging, check]))
    assert [c.name for c in checks] == [
        "t (nct_id) unique",
        "t.status_group not null",
        "t.phase allowed values",
        "t.status_group allowed values",
        "t has few rows",
    ]
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES ('NCT1', 'PHASE2', 'ongoing'), ('NCT1', 'PHASE9', NULL), "
        "('NCT2', NULL, 'completed')) AS v(nct_id, phase, status_group)"
    )
    register_value_lists(con)
    failures = {f.name: f.examples for f in run_checks(con, checks)}
    assert failures == {
        "t (nct_id) unique": ("NCT1",),
        "t.status_group not null": ("NCT1",),
        "t.phase allowed values": ("PHASE9",),
        "t.status_group allowed values": ("NULL",),
    }
    con.close()


def test_not_null_examples_name_the_rows_key() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE e AS SELECT 'cgrp' AS treatment_class, 'NCT1' AS nct_id, NULL AS url")
    [failure] = run_checks(con, [not_null("e", "url", "treatment_class", "nct_id")])
    assert failure.examples == ("cgrp / NCT1",)
    con.close()
