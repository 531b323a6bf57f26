"""Compare two warehouse files table by table: same relations, columns, types, comments and rows, in the
stored order (every mart's CREATE orders its rows, so the stored order is the order the SQL gives).

Rows that tie on a table's ORDER BY may come out in either order (DuckDB's sort is parallel, not stable:
two builds of the same SQL differed so in trial_classes, whose order left matched_text out until its
ORDER BY took every column). So the rows are compared as a whole (sorted), then in stored order: a
difference of order is reported as the blocks of consecutive rows that hold the same rows in another
order, with the largest block's size; compare two builds of the unchanged SQL to see which tables do
that anyway.

For checking that a change to the warehouse SQL or build leaves its output as it was: build once before
and once after (``evidence rebuild`` or ``pipeline.steps.build(settings, full=...)``), keep both files,
then

    .venv/bin/python bench/compare_warehouses.py BEFORE.duckdb AFTER.duckdb

Views are compared by their rows too (``changes``, ``trial_results``: a view has no stored order, so
their rows are compared sorted). What every build writes anew is left out: ``warehouse_builds``'
``built_at``, and its ``fingerprint`` and ``build_reason`` (they name the SQL and the build's reason).
Exit status 1 when any content differs, 2 when only the order within such blocks does.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import duckdb

# Columns a build writes from its clock, its SQL files' digest or its reason, not from the data.
PER_BUILD = {"warehouse_builds": ("built_at", "fingerprint", "build_reason")}


def relations(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    """Relation name -> (table or view, comment), persistent ones only."""
    rows = con.execute(
        "SELECT table_name, 'table', comment FROM duckdb_tables() WHERE NOT temporary "
        "UNION ALL SELECT view_name, 'view', comment FROM duckdb_views() WHERE NOT internal AND NOT temporary"
    ).fetchall()
    return {name: (kind, comment) for name, kind, comment in rows}


def columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str, str | None]]:
    return con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE table_name = ? "
        "ORDER BY column_index",
        [relation],
    ).fetchall()


def rows(con: duckdb.DuckDBPyConnection, relation: str, kind: str) -> list[tuple[Any, ...]]:
    """Every row in stored order (a table) or sorted (a view), per-build columns left out."""
    skipped = PER_BUILD.get(relation, ())
    exclude = f" EXCLUDE ({', '.join(skipped)})" if skipped else ""
    order = " ORDER BY ALL" if kind == "view" else ""
    return con.execute(f'SELECT *{exclude} FROM "{relation}"{order}').fetchall()


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def permuted_blocks(ra: list[tuple[Any, ...]], rb: list[tuple[Any, ...]]) -> list[tuple[int, int]]:
    """(start, length) of each maximal run of positions where the two sequences hold the same rows in
    another order (both hold the same rows overall)."""
    blocks, start, pending = [], None, {}
    for i, (x, y) in enumerate(zip(ra, rb, strict=True)):
        if start is None and same_value(x, y):
            continue
        if start is None:
            start = i
        for key, step in ((repr(x), 1), (repr(y), -1)):
            pending[key] = pending.get(key, 0) + step
            if pending[key] == 0:
                del pending[key]
        if not pending:
            blocks.append((start, i - start + 1))
            start = None
    return blocks


def compare_rows(name: str, ra: list[tuple[Any, ...]], rb: list[tuple[Any, ...]]) -> tuple[str, str]:
    """(content difference, order difference) of one relation's rows; empty strings when none."""
    if len(ra) != len(rb):
        return f"{name}: {len(ra)} rows vs {len(rb)}", ""
    sa, sb = sorted(ra, key=repr), sorted(rb, key=repr)
    diff = next((i for i, (x, y) in enumerate(zip(sa, sb, strict=True)) if not same_value(x, y)), None)
    if diff is not None:
        return f"{name}: rows differ, e.g. {sa[diff]} vs {sb[diff]}", ""
    blocks = permuted_blocks(ra, rb)
    if not blocks:
        return "", ""
    start, size = max(blocks, key=lambda b: b[1])
    return "", (
        f"{name}: same rows, order differs within {len(blocks)} block(s), largest {size} rows "
        f"from row {start}: {ra[start]} vs {rb[start]}"
    )


def compare(before: Path, after: Path) -> tuple[list[str], list[str]]:
    """What differs between the two files: content, then order within blocks of the same rows."""
    a = duckdb.connect(str(before), read_only=True)
    b = duckdb.connect(str(after), read_only=True)
    try:
        rel_a, rel_b = relations(a), relations(b)
        reordered: list[str] = []
        problems = [f"only in {before.name}: {n}" for n in sorted(rel_a.keys() - rel_b.keys())]
        problems += [f"only in {after.name}: {n}" for n in sorted(rel_b.keys() - rel_a.keys())]
        for name in sorted(rel_a.keys() & rel_b.keys()):
            if rel_a[name] != rel_b[name]:
                problems.append(f"{name}: kind or comment differs: {rel_a[name]} vs {rel_b[name]}")
            if columns(a, name) != columns(b, name):
                problems.append(f"{name}: columns, types or column comments differ")
                continue
            kind = rel_a[name][0]
            content, order = compare_rows(name, rows(a, name, kind), rows(b, name, kind))
            problems += [content] if content else []
            reordered += [order] if order else []
        return problems, reordered
    finally:
        a.close()
        b.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    problems, reordered = compare(args.before, args.after)
    for line in problems + reordered:
        print(line)
    a = duckdb.connect(str(args.before), read_only=True)
    n = len(relations(a))
    a.close()
    verdict = (
        f"{len(problems)} difference(s)"
        if problems
        else f"same rows; order differs among rows in {len(reordered)} table(s)"
        if reordered
        else "identical"
    )
    print(f"{n} relations compared: {verdict}")
    sys.exit(1 if problems else 2 if reordered else 0)


if __name__ == "__main__":
    main()
