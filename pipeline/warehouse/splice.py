"""Merges the per-record tables an incremental build derived for the touched records into the copy of
the previous warehouse: each table's rows for those keys are replaced by the new ones.

Every per-record table (files 10-29) needs a rule here. A table without one stops the build rather than
silently keeping stale rows, so adding a table to the SQL means saying how it is keyed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipeline.errors import WarehouseError
from pipeline.sources import registry
from pipeline.sources.spec import Source
from pipeline.warehouse.relations import relation_name

SCRATCH = "scratch"  # the in-memory database the per-record SQL runs in during an incremental build


def touched_relation(source: Source) -> str:
    """``stg_touched_<source>``: the keys of ``source``'s records an incremental build rebuilds."""
    return f"stg_touched_{source.name}"


TOUCHED_TRIALS = touched_relation(registry.get("ctgov"))
TOUCHED_PUBLICATIONS = touched_relation(registry.get("pubmed"))


@dataclass(frozen=True)
class Rule:
    """``keys`` identify a table's rows per record; ``touched`` lists the records rebuilt. ``replace``:
    the table describes only the latest run, so it is replaced whole when ``source`` has new runs."""

    keys: tuple[str, ...] = ()
    touched: str | None = None
    replace_when_new: str | None = None
    unchanged: bool = False


BY_TRIAL = Rule(("nct_id",), TOUCHED_TRIALS)
BY_PUBLICATION = Rule(("pmid",), TOUCHED_PUBLICATIONS)

RULES: dict[str, Rule] = {
    **dict.fromkeys(
        (
            "trials",
            "trial_conditions",
            "trial_interventions",
            "trial_arms",
            "trial_outcomes",
            "trial_results",
            "trial_result_analyses",
            "trial_references",
            "removed_trials",
            "trial_status_history",
            "trial_classes",
            "trial_summaries",
        ),
        BY_TRIAL,
    ),
    **dict.fromkeys(
        ("publications", "publication_classes", "publication_registry_ids", "removed_publications"),
        BY_PUBLICATION,
    ),
    # One row per run: the new runs' rows are added (their keys are in no older build).
    "warehouse_runs": Rule(("source", "run_id")),
    "trial_changes": Rule(replace_when_new="ctgov"),
    # Derived from the configured classes only, which the build fingerprint covers.
    "treatment_classes": Rule(unchanged=True),
    "treatment_class_ancestry": Rule(unchanged=True),
}


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


def splice(con: duckdb.DuckDBPyConnection, target: str, sources_with_new_runs: set[str]) -> dict[str, int]:
    """Move the scratch tables' rows into ``target``; returns rows written per table."""
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1", [SCRATCH]
        ).fetchall()
    ]
    unknown = [t for t in tables if t not in RULES]
    if unknown:
        raise WarehouseError(
            f"per-record table(s) {', '.join(unknown)} have no incremental rule in "
            "pipeline/warehouse/splice.py RULES"
        )
    written = {}
    for table in tables:
        rule = RULES[table]
        into, rows = f'"{target}".main."{table}"', f'{SCRATCH}.main."{table}"'
        if rule.unchanged:
            continue
        if rule.replace_when_new is not None:
            if rule.replace_when_new not in sources_with_new_runs:
                continue
            con.execute(f"DELETE FROM {into}")
        elif rule.touched is not None:
            key = ", ".join(rule.keys)
            con.execute(f"DELETE FROM {into} WHERE ({key}) IN (SELECT {key} FROM {rule.touched})")
        written[table] = con.execute(f"INSERT INTO {into} BY NAME SELECT * FROM {rows}").fetchone()[0]
    return written
