"""Data checks run on a freshly built warehouse before it replaces the old one.

Each check is a query returning one text column of offending examples (duplicate keys, bad values,
missing classes); an empty result passes. Analysts trust the evidence tables because a build that
breaks these rules never reaches them.

Two kinds, as dbt has them: the generic rules are declared in each mart's header beside the SQL that
makes the table (``key`` -> unique, ``not null``, ``allowed`` values; see ``sql_header.py``) and
generated here; the rules that need a query of their own (reconciliations, counts that must agree, the
documentation check) are SQL files in ``warehouse/checks/``, one rule per file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from pipeline.warehouse.sql_header import check_name
from pipeline.warehouse.sql_layers import WarehouseSql
from pipeline.warehouse.value_lists import VALUE_LISTS_RELATION

MAX_EXAMPLES = 3


@dataclass(frozen=True)
class Check:
    """``sql`` returns the offending examples. A rule about single rows also gives ``table`` and
    ``violation``, the condition an offending row meets, so the rules of one table are first counted in
    one scan of it (``run_checks``)."""

    name: str
    sql: str
    params: tuple[object, ...] = ()
    table: str | None = None
    violation: str | None = None


@dataclass(frozen=True)
class CheckFailure:
    name: str
    n_failing: int
    examples: tuple[str, ...]

    def describe(self) -> str:
        shown = ", ".join(self.examples)
        return f"{self.name} ({self.n_failing} failing{f', e.g. {shown}' if shown else ''})"


def _quoted(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def unique(table: str, *columns: str) -> Check:
    cols = ", ".join(columns)
    return Check(
        f"{table} ({cols}) unique",
        f"SELECT concat_ws(' / ', {cols}) FROM {table} GROUP BY {cols} HAVING count(*) > 1",
    )


def not_null(table: str, column: str, *label: str) -> Check:
    """``label``: the columns naming a failing row in the examples (nct_id when not given)."""
    shown = f"concat_ws(' / ', {', '.join(label or ('nct_id',))})"
    violation = f"{column} IS NULL"
    return Check(
        f"{table}.{column} not null",
        f"SELECT coalesce(nullif({shown}, ''), '?') FROM {table} WHERE {violation}",
        table=table,
        violation=violation,
    )


def allowed(table: str, column: str, values: Sequence[str] | str, nullable: bool) -> Check:
    """``values``: the allowed values, or the name of a value list (``pipeline/warehouse/value_lists.py``)."""
    listed = (
        f"SELECT value FROM {VALUE_LISTS_RELATION} WHERE list_name = {_quoted([values])}"
        if isinstance(values, str)
        else _quoted(values)
    )
    null_rule = "" if nullable else f" OR {column} IS NULL"
    violation = f"{column} NOT IN ({listed}){null_rule}"
    return Check(
        f"{table}.{column} allowed values",
        f"SELECT DISTINCT coalesce(CAST({column} AS VARCHAR), 'NULL') FROM {table} WHERE {violation}",
        table=table,
        violation=violation,
    )


def warehouse_checks(sql: WarehouseSql) -> list[Check]:
    """The rules declared in the marts' headers, then those of ``warehouse/checks/``."""
    checks = []
    for model in sql.models:
        if model.temporary:
            continue
        header, table = model.header, model.relation
        rule = header.incremental
        label = header.key or ((rule.column,) if rule.column else ("'?'",))
        if header.key:
            checks.append(unique(table, *header.key))
        checks += [not_null(table, column, *label) for column in header.not_null]
        checks += [allowed(table, a.column, a.list_name or a.values, a.nullable) for a in header.allowed]
    checks += [Check(check_name(f), f.text) for f in sql.checks]
    return checks


def run_checks(con: duckdb.DuckDBPyConnection, checks: Sequence[Check]) -> list[CheckFailure]:
    """Run every check (not stopping at the first) so one build reports all that is wrong.

    On ``con`` itself, not a cursor: the reconciliation checks read the relations registered on it.
    Each result is fetched whole before the next query runs.
    """
    broken = _breaking_row_rules(con, checks)
    failures = []
    for check in checks:
        if check.violation is not None and check not in broken:
            continue
        rows = con.execute(check.sql, list(check.params) or None).fetchall()
        if rows:
            examples = tuple(str(r[0]) for r in rows[:MAX_EXAMPLES])
            failures.append(CheckFailure(check.name, len(rows), examples))
    return failures


def _breaking_row_rules(con: duckdb.DuckDBPyConnection, checks: Sequence[Check]) -> set[Check]:
    """The row rules (not null, allowed values) some row breaks, counted in one scan per table: one query
    per rule cost ~1 ms each, most of it the query's own overhead, for ~90 rules that nearly always pass.
    Only those found broken run their own query, for the examples."""
    by_table: dict[str, list[Check]] = {}
    for check in checks:
        if check.table is not None and check.violation is not None:
            by_table.setdefault(check.table, []).append(check)
    broken: set[Check] = set()
    for table, rules in by_table.items():
        counts = ", ".join(f"count(*) FILTER (WHERE {rule.violation})" for rule in rules)
        found = con.execute(f"SELECT {counts} FROM {table}").fetchone() or ()
        broken.update(rule for rule, n in zip(rules, found, strict=True) if n)
    return broken
