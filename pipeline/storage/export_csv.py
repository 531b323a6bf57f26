"""CSV export of ``evidence_trials`` for spreadsheet users.

Format: UTF-8 (no byte-order mark), comma-separated, header row, columns in EXPORT_COLUMNS order,
rows ordered by treatment_class then nct_id; dates ISO (YYYY-MM-DD); lists joined with "; "; booleans
"true"/"false"; missing values empty.

Formula injection: a text cell starting with =, +, -, @, tab or carriage return is prefixed with a
single quote so a spreadsheet shows it instead of running it. Only text cells are touched: numbers
(enrollment) are written as is, while a text cell that happens to start with "-" (e.g. a result
summary "-1.5 ...") does get the quote, since a spreadsheet cannot tell it from a formula.

The file is written next to its destination and renamed over it, so a failed export keeps the
previous CSV.
"""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb

from pipeline.errors import ExportError
from pipeline.gc_pause import gc_paused
from pipeline.storage.warehouse_query import read_only_connection
from pipeline.storage.warehouse_sql import first_line

Kind = Literal["text", "list", "date", "int", "bool"]

EXPORT_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("treatment_class", "text"),
    ("class_label", "text"),
    ("nct_id", "text"),
    ("title", "text"),
    ("phase", "text"),
    ("overall_status", "text"),
    ("status_group", "text"),
    ("start_date", "date"),
    ("primary_completion_date", "date"),
    ("completion_date", "date"),
    ("enrollment", "int"),
    ("primary_outcome_measures", "list"),
    ("has_results", "bool"),
    ("primary_result_summary", "text"),
    ("results_route", "text"),
    ("linked_pmids", "list"),
    ("last_update_post_date", "date"),
    ("url", "text"),
)
LIST_SEPARATOR = "; "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    n_rows: int
    treatment_class: str | None
    columns: tuple[str, ...]


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def format_cell(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if kind == "text":
        return neutralise(str(value))
    if kind == "list":
        return neutralise(LIST_SEPARATOR.join(str(v) for v in value if v is not None))
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind == "bool":
        return "true" if value else "false"
    return str(value)


def export_evidence_trials(
    warehouse_path: Path, out_path: Path, treatment_class: str | None = None
) -> ExportSummary:
    """Write evidence_trials (optionally one class) to out_path, replacing it only on success."""
    names = [name for name, _ in EXPORT_COLUMNS]
    with gc_paused(), read_only_connection(warehouse_path, ExportError) as con:
        try:
            if treatment_class is not None:
                _require_class(con, treatment_class)
            where = "WHERE treatment_class = $1" if treatment_class is not None else ""
            cursor = con.cursor().execute(
                f"SELECT {', '.join(names)} FROM evidence_trials {where} ORDER BY treatment_class, nct_id",
                [treatment_class] if treatment_class is not None else None,
            )
            rows = cursor.fetchall()
        except duckdb.Error as exc:
            raise ExportError(
                f"cannot read evidence_trials from {warehouse_path} (rebuild the warehouse?): "
                f"{first_line(str(exc))}"
            ) from None
    with gc_paused():  # the rows are acyclic tuples: see pipeline.gc_pause
        _write_atomically(out_path, names, (_format_row(r) for r in rows))
    return ExportSummary(out_path, len(rows), treatment_class, tuple(names))


def _require_class(con: duckdb.DuckDBPyConnection, treatment_class: str) -> None:
    valid = [
        r[0]
        for r in con.cursor().execute("SELECT treatment_class FROM treatment_classes ORDER BY 1").fetchall()
    ]
    if treatment_class not in valid:
        raise ExportError(f"unknown treatment class {treatment_class!r}; valid classes: {', '.join(valid)}")


def _format_row(row: tuple[Any, ...]) -> list[str]:
    return [format_cell(value, kind) for value, (_, kind) in zip(row, EXPORT_COLUMNS, strict=True)]


def _write_atomically(out_path: Path, header: list[str], rows: Iterable[list[str]]) -> None:
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out_path)
    except OSError as exc:
        raise ExportError(
            f"cannot write {out_path}: {exc.strerror or exc}; the previous CSV is kept"
        ) from None
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()
