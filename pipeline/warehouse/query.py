"""Read-only access to the built warehouse, for ad-hoc queries and exports.

Connections are read-only AND have file access switched off (locked), so a query can neither change
the warehouse nor write or read other files (COPY ... TO, ATTACH, read_csv): the warehouse tables are
materialised and need no files. Several readers may run at once; a build never blocks them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import PipelineError, WarehouseError
from pipeline.warehouse.sql_files import first_line

READ_ONLY_CONFIG = {"enable_external_access": False, "lock_configuration": True}


@contextmanager
def read_only_connection(
    warehouse_path: Path, error: type[PipelineError] = WarehouseError
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only; every failure to open becomes ``error`` with a one-line message."""
    if not warehouse_path.is_file():
        raise error(f"warehouse not found: {warehouse_path} (build it first)")
    try:
        con = duckdb.connect(str(warehouse_path), read_only=True, config=READ_ONLY_CONFIG)
    except duckdb.Error as exc:
        message = str(exc)
        if "lock" in message.lower():
            raise error(
                f"warehouse {warehouse_path} is locked by a process writing to it; try again later"
            ) from None
        if "different configuration" in message:
            raise error(
                f"warehouse {warehouse_path} is already open in this process with other settings; close that "
                "connection first"
            ) from None
        raise error(f"cannot open warehouse {warehouse_path}: {first_line(message)}") from None
    try:
        yield con
    finally:
        con.close()


def run_query(warehouse_path: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only SQL statement; returns column names and rows."""
    with read_only_connection(warehouse_path) as con:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise WarehouseError(f"query does not parse: {first_line(str(exc))}") from None
        if len(statements) != 1:
            raise WarehouseError(f"run one SQL statement at a time (got {len(statements)})")
        try:
            cursor = con.cursor().execute(statements[0])
            columns = [d[0] for d in cursor.description] if cursor.description else []
            rows = cursor.fetchall() if cursor.description else []
        except duckdb.InvalidInputException as exc:
            if "read-only" in str(exc):
                kind = statements[0].type.name
                raise WarehouseError(
                    f"the warehouse is read-only here: {kind} statements are not allowed"
                ) from None
            raise WarehouseError(f"query failed: {first_line(str(exc))}") from None
        except duckdb.PermissionException:
            raise WarehouseError(
                "queries cannot read or write files: query the warehouse tables only"
            ) from None
        except duckdb.Error as exc:
            raise WarehouseError(f"query failed: {first_line(str(exc))}") from None
    return columns, rows
