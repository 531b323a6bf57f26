"""Helpers for the golden whole-row tests: a table's rows as plain dicts, provenance checked apart.

A golden test states every column of a row, so a value written to the wrong column (two fields swapped,
one dropped) changes a row and fails, whatever its type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.parquet.provenance import Provenance

PROVENANCE_COLUMNS = ("run_id", "fetched_at", "data_timestamp")
IN_REPO_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def data_rows(table: pa.Table, **where: Any) -> list[dict[str, Any]]:
    """Rows without the provenance columns, in table order, optionally only those matching ``where``."""
    rows = table.drop_columns(list(PROVENANCE_COLUMNS)).to_pylist()
    return [row for row in rows if all(row[key] == value for key, value in where.items())]


def assert_provenance(tables: dict[str, pa.Table], provenance: Provenance) -> None:
    for name, table in tables.items():
        stamped = {(r["run_id"], r["fetched_at"], r["data_timestamp"]) for r in table.to_pylist()}
        assert stamped <= {(provenance.run_id, provenance.fetched_at, provenance.data_timestamp)}, name
