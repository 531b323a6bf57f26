"""The data checks on hand-made tables: each rule catches what it names and passes clean data."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from pipeline.warehouse.checks import allowed, data_checks, not_null, run_checks, unique


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


def test_missing_configured_class_is_named() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE evidence AS SELECT 'triptan' AS treatment_class, 0 AS n_trials")
    check = next(
        c for c in data_checks(["triptan", "gepant"]) if c.name == "every configured class in evidence"
    )
    [failure] = run_checks(con, [check])
    assert failure.examples == ("gepant",)
    con.close()
