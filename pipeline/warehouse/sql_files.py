"""Runs the numbered SQL files of the ``warehouse`` package in name order, one statement at a time.

Statements run one by one so a failure names the file and line it came from, not just a DuckDB
message about some statement somewhere in the build.

The number says which layer a file belongs to: 10-29 derive per-record tables (keyed by trial,
publication or run), which an incremental build derives only for the records its new runs touched;
30-99 derive whole-warehouse tables from those, which every build recomputes.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from pipeline.errors import WarehouseError


@dataclass(frozen=True)
class SqlFile:
    name: str
    text: str


def packaged_sql_files() -> list[SqlFile]:
    """The SQL shipped as package data of ``warehouse`` (works from a checkout and from a wheel)."""
    root = resources.files("warehouse")
    entries = [e for e in root.iterdir() if e.name.endswith(".sql")]
    return [SqlFile(e.name, e.read_text(encoding="utf-8")) for e in sorted(entries, key=lambda e: e.name)]


def sql_files_in(folder: Path) -> list[SqlFile]:
    """The SQL files of another folder, to try new SQL without reinstalling the package."""
    if not folder.is_dir():
        raise WarehouseError(f"SQL folder not found: {folder}")
    return [SqlFile(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.sql"))]


WHOLE_WAREHOUSE_FROM = 30


def is_per_record(sql_file: SqlFile) -> bool:
    prefix = sql_file.name.split("_", 1)[0]
    if not prefix.isdigit():
        raise WarehouseError(
            f"SQL file {sql_file.name} must start with its number (e.g. 20_marts_trials.sql)"
        )
    return int(prefix) < WHOLE_WAREHOUSE_FROM


def first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else message


def _leading_comment_lines(query: str) -> int:
    """1 + the lines of comments and blanks before the statement's first keyword, for error messages."""
    skipped = 0
    for text in query.splitlines():
        if text.strip() and not text.strip().startswith("--"):
            break
        skipped += 1
    return 1 + skipped


def run_sql_file(con: duckdb.DuckDBPyConnection, sql_file: SqlFile) -> None:
    """One transaction per file: auto-committing each statement made the ~300 COMMENT ONs alone cost
    ~0.1 s, a tenth of an incremental build. A failure rolls the file back (the build is abandoned)."""
    try:
        statements = con.extract_statements(sql_file.text)
    except duckdb.Error as exc:
        raise WarehouseError(f"SQL {sql_file.name} does not parse: {first_line(str(exc))}") from None
    cursor = 0
    con.execute("BEGIN TRANSACTION")
    for statement in statements:
        found = sql_file.text.find(statement.query.strip(), cursor)
        start = found if found >= 0 else cursor
        cursor = start + len(statement.query.strip())
        line = sql_file.text.count("\n", 0, start) + _leading_comment_lines(statement.query)
        try:
            con.execute(statement)
        except duckdb.Error as exc:
            with suppress(duckdb.Error):  # the error may have ended the transaction already
                con.execute("ROLLBACK")
            raise WarehouseError(f"SQL {sql_file.name} line {line} failed: {first_line(str(exc))}") from None
    con.execute("COMMIT")


def run_sql_files(con: duckdb.DuckDBPyConnection, files: list[SqlFile]) -> None:
    if not files:
        raise WarehouseError("no warehouse SQL files found")
    for sql_file in files:
        run_sql_file(con, sql_file)
