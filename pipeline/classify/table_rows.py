"""Input rows for the classifier, checked once: a wrong table should fail with its name, not a KeyError."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.errors import ClassifyError

PROVENANCE_COLUMNS = ("run_id", "fetched_at", "data_timestamp")


def require_columns(table: pa.Table, name: str, columns: Sequence[str], *, source: str) -> None:
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        listed = ", ".join(missing)
        raise ClassifyError(f"{name} table lacks column(s) {listed}: expected the {source} {name} schema")


def checked_rows(table: pa.Table, name: str, columns: Sequence[str], *, key: str, source: str) -> list[dict]:
    """The selected columns as dicts; every row must carry a non-empty ``key`` (nct_id or pmid)."""
    require_columns(table, name, columns, source=source)
    rows = table.select(list(columns)).to_pylist()
    for index, row in enumerate(rows):
        if not isinstance(row[key], str) or not row[key]:
            raise ClassifyError(f"{name} row {index} has no {key}")
    return rows


def has_text_types(
    table: pa.Table, columns: Sequence[str], list_columns: Collection[str], provenance: pa.Schema
) -> bool:
    """Whether the columns hold what the column path reads as is: text (or lists of text where named)
    and provenance of exactly the output's types. Anything else takes the row path, which checks
    each value and names the record of a bad one."""
    for column in columns:
        kind = table.schema.field(column).type
        if column in list_columns:
            if pa.types.is_null(kind):
                continue
            if not pa.types.is_list(kind):
                return False
            kind = kind.value_type
        if not (pa.types.is_string(kind) or pa.types.is_null(kind)):
            return False
    return all(table.schema.field(f.name).type == f.type for f in provenance)


def first_missing_key(table: pa.Table, key: str) -> int | None:
    """Index of the first row whose ``key`` is null or empty (string columns only), else None."""
    column = table.column(key)
    if not pa.types.is_string(column.type):
        return 0 if table.num_rows else None
    bad = pc.or_kleene(pc.is_null(column), pc.equal(column, ""))
    if not pc.any(bad).as_py():
        return None
    return pc.index(bad, True).as_py()
