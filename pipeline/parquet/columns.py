"""Rows built by column name: one list per schema column, appended to under the column's name.

A positional row lets two values of the same type trade places unnoticed. Here each value is appended
under its schema column name, so an unknown name fails at its first use (KeyError) and a column that a
code path forgot fails when the table is built (its list comes up short). Appending to per-column lists costs
about what building a tuple does, and the lists go to Arrow as they are, with no transposing.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pyarrow as pa

from pipeline.errors import NormaliseError
from pipeline.parquet.provenance import Provenance

# Stamped on every row from the page's Provenance, never appended by a normaliser.
PROVENANCE_COLUMNS = tuple(f.name for f in fields(Provenance))


class ColumnError(LookupError):
    """A normaliser bug, not bad input: a column left without a value in some row."""


# One table's rows: schema column name -> its values, one per row.
Columns = dict[str, list[Any]]


class TableColumns:
    """One table's rows as ``columns``, with one list per schema column but provenance.

    Normalisers append through the plain dict (``columns["title"].append(value)``): this runs once per
    value of the corpus, and a lookup in a dict subclass costs about 40% more. A name the schema lacks
    is not a key, so it raises KeyError at its first use.
    """

    __slots__ = ("columns", "schema", "table")

    def __init__(self, table: str, schema: pa.Schema) -> None:
        self.columns: Columns = {name: [] for name in schema.names if name not in PROVENANCE_COLUMNS}
        self.table = table
        self.schema = schema

    @property
    def num_rows(self) -> int:
        """The row count; every column must have a value for every row."""
        lengths = {len(values) for values in self.columns.values()}
        if len(lengths) > 1:
            short = [name for name, values in self.columns.items() if len(values) < max(lengths)]
            raise ColumnError(f"Parquet table {self.table!r}: rows without a value for {', '.join(short)}")
        return lengths.pop() if lengths else 0

    def to_table(self, provenance: Provenance, source: str) -> pa.Table:
        """The Arrow table with the exact schema; ``source`` names the input in a type error."""
        n = self.num_rows
        arrays = []
        for spec in self.schema:
            if spec.name in PROVENANCE_COLUMNS:
                arrays.append(pa.repeat(pa.scalar(getattr(provenance, spec.name), spec.type), n))
                continue
            try:
                arrays.append(pa.array(self.columns[spec.name], type=spec.type))
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise NormaliseError(
                    f"{source}: {self.table}.{spec.name} holds a value of the wrong type ({exc})"
                ) from None
        return pa.Table.from_arrays(arrays, schema=self.schema)


def empty_columns(tables: dict[str, pa.Schema]) -> dict[str, TableColumns]:
    """A fresh ``TableColumns`` per table of a source, keyed by table name."""
    return {name: TableColumns(name, schema) for name, schema in tables.items()}
