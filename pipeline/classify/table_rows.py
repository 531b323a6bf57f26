"""Input rows for the classifier, checked once: a wrong table should fail with its name, not a KeyError."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from pipeline.errors import ClassifyError

PROVENANCE_COLUMNS = ("run_id", "fetched_at", "data_timestamp")


def checked_rows(table: pa.Table, name: str, columns: Sequence[str], *, key: str, source: str) -> list[dict]:
    """The selected columns as dicts; every row must carry a non-empty ``key`` (nct_id or pmid)."""
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        listed = ", ".join(missing)
        raise ClassifyError(f"{name} table lacks column(s) {listed}: expected the {source} {name} schema")
    rows = table.select(list(columns)).to_pylist()
    for index, row in enumerate(rows):
        if not isinstance(row[key], str) or not row[key]:
            raise ClassifyError(f"{name} row {index} has no {key}")
    return rows
