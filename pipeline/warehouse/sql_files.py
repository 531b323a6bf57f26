"""Reads the warehouse SQL (package data of ``warehouse``, one folder per layer) and runs it file by file,
one statement at a time.

Statements run one by one so a failure names the file and line it came from, not just a DuckDB
message about some statement somewhere in the build. Which file runs when, and how an incremental build
treats it, is read from each file's header (``pipeline/warehouse/sql_layers.py``), not from its name.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

import duckdb

from pipeline.errors import WarehouseError


@dataclass(frozen=True)
class SqlFile:
    name: str  # path below the SQL root, e.g. marts/trials/trials.sql
    text: str

    @cached_property
    def path(self) -> PurePosixPath:
        """Cached: loading the SQL asks each file for its path and parts ~1,500 times (~30 ms)."""
        return PurePosixPath(self.name)


def packaged_sql_files() -> list[SqlFile]:
    """The SQL shipped as package data of ``warehouse`` (works from a checkout and from a wheel)."""
    found: list[SqlFile] = []

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".sql"):
                found.append(SqlFile(prefix + entry.name, entry.read_text(encoding="utf-8")))

    walk(resources.files("warehouse"), "")
    return sorted(found, key=lambda f: f.name)


def sql_files_in(folder: Path) -> list[SqlFile]:
    """The SQL files below another folder, to try new SQL without reinstalling the package."""
    if not folder.is_dir():
        raise WarehouseError(f"SQL folder not found: {folder}")
    found = [
        SqlFile(p.relative_to(folder).as_posix(), p.read_text(encoding="utf-8"))
        for p in folder.rglob("*.sql")
    ]
    return sorted(found, key=lambda f: f.name)


class OutOfMemory(WarehouseError):
    """A statement needed more memory than DuckDB's limit and could not spill to disk."""


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
            error = OutOfMemory if isinstance(exc, duckdb.OutOfMemoryException) else WarehouseError
            raise error(f"SQL {sql_file.name} line {line} failed: {first_line(str(exc))}") from None
    con.execute("COMMIT")


def run_sql_files(con: duckdb.DuckDBPyConnection, files: list[SqlFile]) -> None:
    for sql_file in files:
        run_sql_file(con, sql_file)
