"""Read-only queries: results come back, writes and file access are refused with one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.errors import WarehouseError
from pipeline.warehouse.query import run_query


def test_select_returns_columns_and_rows(built: Settings) -> None:
    columns, rows = run_query(
        built.warehouse.path, "SELECT treatment_class, n_trials FROM evidence WHERE n_trials = 0"
    )
    assert columns == ["treatment_class", "n_trials"]
    assert rows == [("triptan", 0)]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DROP TABLE trials", "the warehouse is read-only here: DROP statements are not allowed"),
        ("INSERT INTO trials (nct_id) VALUES ('X')", "read-only here: INSERT statements"),
        ("CREATE TABLE x AS SELECT 1", "read-only here: CREATE statements"),
        ("COPY trials TO 'leak.csv'", "queries cannot read or write files"),
        ("SELECT 1; DROP TABLE trials", r"run one SQL statement at a time \(got 2\)"),
        ("SELEC 1", "query does not parse: Parser Error"),
        ("SELECT * FROM no_such_table", "query failed: Catalog Error"),
    ],
)
def test_refusals_are_one_line(built: Settings, sql: str, message: str) -> None:
    before = built.warehouse.path.read_bytes()
    with pytest.raises(WarehouseError, match=message) as excinfo:
        run_query(built.warehouse.path, sql)
    assert "\n" not in str(excinfo.value)
    assert built.warehouse.path.read_bytes() == before


def test_missing_warehouse(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="warehouse not found"):
        run_query(tmp_path / "absent.duckdb", "SELECT 1")
