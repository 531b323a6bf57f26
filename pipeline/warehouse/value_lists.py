"""The value lists the normalisers and the classifier define, exposed to the warehouse as one relation.

The normaliser's maps are the one copy: the SQL and its data checks (``allowed: phase in phases`` in a
file header) read them from ``src_value_lists`` instead of spelling them out again. Values the warehouse
SQL itself produces (link sources, results routes, change kinds) are listed once, in the header of the
file whose SQL produces them.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pipeline.config import MATCH_STRENGTHS
from pipeline.sources.ctgov.normalise.phase import CANONICAL_PHASES
from pipeline.sources.ctgov.normalise.status import STATUS_GROUPS
from pipeline.sources.pubmed.normalise.class_schema import MATCHED_FIELDS as PUBLICATION_MATCHED_FIELDS

VALUE_LISTS: dict[str, tuple[str, ...]] = {
    "phases": CANONICAL_PHASES,
    "status_groups": tuple(dict.fromkeys(STATUS_GROUPS.values())),
    "publication_matched_fields": PUBLICATION_MATCHED_FIELDS,
    # Strongest first: the position is the rank the evidence tables compare with min_match_strength.
    "match_strengths": MATCH_STRENGTHS,
}
VALUE_LISTS_RELATION = "src_value_lists"
VALUE_LISTS_SCHEMA = pa.schema(
    [
        pa.field("list_name", pa.string(), nullable=False),
        pa.field("value", pa.string(), nullable=False),
        pa.field("position", pa.int32(), nullable=False),
    ]
)


def register_value_lists(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        {"list_name": name, "value": value, "position": i}
        for name, values in VALUE_LISTS.items()
        for i, value in enumerate(values)
    ]
    con.register(VALUE_LISTS_RELATION, pa.Table.from_pylist(rows, schema=VALUE_LISTS_SCHEMA))
