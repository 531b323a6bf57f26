"""The splice follows each table's header: patch the touched records, replace when the source has new
runs, keep; a key the build cannot name touched records by is refused."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from pipeline.errors import WarehouseError
from pipeline.warehouse.splice import SCRATCH, splice
from pipeline.warehouse.sql_files import SqlFile
from pipeline.warehouse.sql_layers import WarehouseSql, load_warehouse_sql


def mart(name: str, rule: str) -> SqlFile:
    return SqlFile(f"marts/{name}.sql", f"-- grain: x\n-- key: nct_id\n-- incremental: {rule}\n\nSELECT 1;\n")


SQL: WarehouseSql = load_warehouse_sql(
    [
        mart("patched", "patch by nct_id"),
        mart("replaced", "replace when ctgov has new runs"),
        mart("kept", "keep"),
    ]
)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(f"ATTACH ':memory:' AS {SCRATCH}")
    for table in ("patched", "replaced", "kept"):
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM (VALUES ('NCT1', 'old'), ('NCT2', 'old')) v(nct_id, x)"
        )
        con.execute(f"CREATE TABLE {SCRATCH}.{table} AS SELECT 'NCT2' AS nct_id, 'new' AS x")
    con.execute("CREATE TEMP TABLE touched AS SELECT 'NCT2' AS nct_id")
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(f"SELECT nct_id, x FROM memory.main.{table} ORDER BY ALL").fetchall()


def test_each_rule_treats_the_previous_rows_as_its_header_says(con: duckdb.DuckDBPyConnection) -> None:
    written = splice(con, "memory", SQL.per_record, {"nct_id": "touched"}, {"ctgov"})
    assert written == {"patched": 1, "replaced": 1}
    assert rows(con, "patched") == [("NCT1", "old"), ("NCT2", "new")]
    assert rows(con, "replaced") == [("NCT2", "new")]
    assert rows(con, "kept") == [("NCT1", "old"), ("NCT2", "old")]


def test_replace_waits_for_new_runs_of_its_source(con: duckdb.DuckDBPyConnection) -> None:
    assert splice(con, "memory", SQL.per_record, {"nct_id": "touched"}, {"pubmed"}) == {"patched": 1}
    assert rows(con, "replaced") == [("NCT1", "old"), ("NCT2", "old")]


def test_a_key_the_build_does_not_track_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(
        WarehouseError,
        match=r"^SQL marts/patched\.sql patches patched by nct_id, but the build knows the touched records "
        r"only by pmid$",
    ):
        splice(con, "memory", SQL.per_record, {"pmid": "touched"}, set())
