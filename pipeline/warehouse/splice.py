"""Merges the per-record tables an incremental build derived for the touched records into the copy of
the previous warehouse, as each table's SQL header says (``incremental:``, see ``sql_header.py``):
``patch by <column>`` replaces the touched records' rows, ``replace when <source> has new runs``
replaces the table when that source has new runs, ``keep`` leaves the previous build's table.

A table made before the splice without a file and header of its own stops the build (``sql_layers.
check_relations``) rather than silently keeping stale rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from pipeline.errors import WarehouseError
from pipeline.sources import registry
from pipeline.sources.spec import Source
from pipeline.warehouse.relations import relation_name
from pipeline.warehouse.sql_layers import Model

SCRATCH = "scratch"  # the in-memory database the per-record SQL runs in during an incremental build


def touched_relation(source: Source) -> str:
    """``stg_touched_<source>``: the keys of ``source``'s records an incremental build rebuilds."""
    return f"stg_touched_{source.name}"


def create_touched_keys(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The records the new runs hold or delete (their src relations hold only the new runs), as key
    column -> relation listing them (the registry keeps key columns distinct across sources)."""
    touched = {}
    for source in registry.SOURCES.values():
        key = source.key
        union = " UNION ALL ".join(
            f"SELECT {key} FROM {relation_name(source.name, t)}" for t in source.touched_tables
        )
        relation = touched_relation(source)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {relation} AS SELECT DISTINCT {key} FROM ({union})")
        touched[key] = relation
    return touched


def splice(
    con: duckdb.DuckDBPyConnection,
    target: str,
    tables: Sequence[Model],
    touched: Mapping[str, str],
    sources_with_new_runs: set[str],
) -> dict[str, int]:
    """Move the scratch tables' rows into ``target``; ``touched`` maps a key column to the relation
    listing the touched records. Returns rows written per table."""
    written = {}
    for model in tables:
        rule, table = model.header.incremental, model.relation
        into, rows = f'"{target}".main."{table}"', f'{SCRATCH}.main."{table}"'
        if rule.kind == "keep":
            continue
        if rule.kind == "replace":
            if rule.source not in sources_with_new_runs:
                continue
            con.execute(f"DELETE FROM {into}")
        elif rule.kind == "patch":
            keys = touched.get(rule.column or "")
            if keys is None:
                raise WarehouseError(
                    f"SQL {model.file.name} patches {table} by {rule.column}, but the build knows the "
                    f"touched records only by {', '.join(touched)}"
                )
            con.execute(f'DELETE FROM {into} WHERE "{rule.column}" IN (SELECT "{rule.column}" FROM {keys})')
        else:
            raise WarehouseError(f"SQL {model.file.name}: {table} is not spliced ({rule.kind})")
        written[table] = con.execute(f"INSERT INTO {into} BY NAME SELECT * FROM {rows}").fetchone()[0]
    return written
