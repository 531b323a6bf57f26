"""The warehouse SQL as layers: which file makes which relation, in what order, and in which phase of an
incremental build, all read from the files themselves.

``warehouse/`` holds one folder per layer; each file makes the one relation it is named after:

- ``staging/<source>/stg_*.sql``: temporary views over the registered ``src_*`` relations that only
  rename and cast (the only SQL that reads ``src_*``; those over what a Python build step registers
  after the splice, ``build_steps.py``, are derived after it: ``rebuild``);
- ``intermediate/<topic>/int_*.sql``: temporary relations doing the real work (the current version of
  each record, removals, history, class membership);
- ``marts/<topic>/<table>.sql``: the tables and views analysts see, each with its ``COMMENT ON``s after
  its ``CREATE``;
- ``checks/*.sql``: data checks, each a query returning the rows that break its rule.

Files run in dependency order, found from the relations each file names (as dbt's ``ref()``, without the
templating): first every file its header derives before the splice, then the rest. A full build runs
the same order in one database; an incremental build runs the first part in a scratch database for the
touched records only and splices it in (``pipeline/warehouse/splice.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import duckdb

from pipeline.errors import WarehouseError
from pipeline.warehouse.sql_files import SqlFile
from pipeline.warehouse.sql_header import Header, check_name, parse_header
from pipeline.warehouse.value_lists import VALUE_LISTS

LAYERS = ("staging", "intermediate", "marts")
CHECKS = "checks"
RULES_BY_LAYER = {
    # rebuild: a view over a relation a Python build step registers after the splice (build_steps.py).
    "staging": ("before splice", "complete", "rebuild"),
    "intermediate": ("before splice", "complete", "rebuild"),
    "marts": ("patch", "replace", "keep", "append", "rebuild"),
}


@dataclass(frozen=True)
class Model:
    """One SQL file and the relation it makes."""

    file: SqlFile
    header: Header
    reads: frozenset[str]  # relations of other model files it names

    @property
    def relation(self) -> str:
        return self.file.path.stem

    @property
    def layer(self) -> str:
        return self.file.path.parts[0]

    @property
    def temporary(self) -> bool:
        return self.layer != "marts"

    @property
    def before_splice(self) -> bool:
        return self.header.incremental.before_splice


@dataclass(frozen=True)
class WarehouseSql:
    models: tuple[Model, ...]  # in run order
    checks: tuple[SqlFile, ...]

    @cached_property
    def files(self) -> list[SqlFile]:
        """Every file, in name order (what the build fingerprint hashes)."""
        return sorted([m.file for m in self.models] + list(self.checks), key=lambda f: f.name)

    @property
    def before_splice(self) -> list[Model]:
        return [m for m in self.models if m.before_splice]

    @property
    def after_splice(self) -> list[Model]:
        return [m for m in self.models if not m.before_splice]

    @property
    def per_record(self) -> list[Model]:
        """The tables an incremental build derives in scratch and splices into the previous warehouse."""
        return [m for m in self.before_splice if not m.temporary]


def load_warehouse_sql(files: list[SqlFile]) -> WarehouseSql:
    if not files:
        raise WarehouseError("no warehouse SQL files found")
    checks = tuple(f for f in files if f.path.parts[0] == CHECKS)
    for check in checks:
        check_name(check)  # a malformed check file fails before any SQL runs
    found = [_model(f) for f in files if f.path.parts[0] != CHECKS]
    by_relation: dict[str, Model] = {}
    for model in found:
        first = by_relation.get(model.relation)
        if first is not None:
            raise WarehouseError(f"SQL {model.file.name} and {first.file.name} both make {model.relation}")
        by_relation[model.relation] = model
    names = set(by_relation)
    models = [
        Model(m.file, m.header, frozenset(identifiers(m.file.text) & names - {m.relation})) for m in found
    ]
    for model in models:
        for read in sorted(model.reads):
            _check_phases(model, by_relation[read])
    return WarehouseSql(
        tuple(_in_dependency_order([m for m in models if m.before_splice]))
        + tuple(_in_dependency_order([m for m in models if not m.before_splice])),
        checks,
    )


def _check_phases(model: Model, read: Model) -> None:
    """What ``model`` reads holds the rows it needs in an incremental build too."""
    kind, read_kind = model.header.incremental.kind, read.header.incremental.kind
    if model.before_splice and not read.before_splice:
        raise WarehouseError(
            f"SQL {model.file.name} is derived before the splice but reads {read.relation}, which is only "
            f"derived after it ({read.file.name})"
        )
    if kind == "complete" and read_kind != "complete":
        raise WarehouseError(
            f"SQL {model.file.name} is complete in both build modes but reads {read.relation}, which is "
            f"not ({read.file.name}: {read_kind})"
        )
    if kind == "rebuild" and read_kind == "before splice":
        raise WarehouseError(
            f"SQL {model.file.name} is derived after the splice but reads {read.relation}, which in an "
            f"incremental build holds only the touched records ({read.file.name}: before splice); read "
            "the marts instead, or derive it after the splice too (incremental: rebuild)"
        )


def identifiers(sql: str) -> set[str]:
    """Every identifier token of ``sql`` (DuckDB's own tokenizer: comments and strings are not read)."""
    tokens = duckdb.tokenize(sql)
    text = sql.encode()  # the tokenizer's offsets count bytes
    ends = [start for start, _ in tokens[1:]] + [len(text)]
    return {
        text[start:end].decode().strip().strip('"').lower()
        for (start, kind), end in zip(tokens, ends, strict=True)
        if kind == duckdb.token_type.identifier
    }


def _model(sql_file: SqlFile) -> Model:
    layer = sql_file.path.parts[0]
    if layer not in LAYERS or len(sql_file.path.parts) < 2:
        raise WarehouseError(
            f"SQL {sql_file.name} is in no layer folder ({', '.join(f + '/' for f in (*LAYERS, CHECKS))})"
        )
    header = parse_header(sql_file)
    if header.incremental.kind not in RULES_BY_LAYER[layer]:
        raise WarehouseError(
            f"SQL {sql_file.name}: incremental rule '{header.incremental.kind}' does not apply to {layer}/ "
            f"(there: {', '.join(RULES_BY_LAYER[layer])})"
        )
    unknown = [a.list_name for a in header.allowed if a.list_name and a.list_name not in VALUE_LISTS]
    if unknown:
        raise WarehouseError(
            f"SQL {sql_file.name}: unknown value list {', '.join(unknown)} "
            f"(pipeline/warehouse/value_lists.py has {', '.join(VALUE_LISTS)})"
        )
    return Model(sql_file, header, frozenset())


def _in_dependency_order(models: list[Model]) -> list[Model]:
    """Each model after the models it reads (among ``models``); ties in layer, then name order."""
    rank = {m.relation: (LAYERS.index(m.layer), m.file.name) for m in models}
    waiting = {m.relation: set(m.reads) & set(rank) for m in models}
    by_relation = {m.relation: m for m in models}
    ordered: list[Model] = []
    while waiting:
        ready = sorted((r for r, needs in waiting.items() if not needs), key=rank.__getitem__)
        if not ready:
            cycle = ", ".join(by_relation[r].file.name for r in sorted(waiting))
            raise WarehouseError(f"SQL files read each other in a cycle: {cycle}")
        for relation in ready:
            ordered.append(by_relation[relation])
            del waiting[relation]
        for needs in waiting.values():
            needs.difference_update(ready)
    return ordered


def check_relations(con: duckdb.DuckDBPyConnection, models: list[Model]) -> None:
    """Each model made its relation (temporary or not, by layer), and no persistent relation lacks a file
    of its own: a table without a header would have no incremental rule and no checks."""
    rows = con.execute(
        "SELECT table_name, temporary FROM duckdb_tables() "
        "WHERE database_name IN (current_database(), 'temp') "
        "UNION ALL SELECT view_name, temporary FROM duckdb_views() "
        "WHERE NOT internal AND database_name IN (current_database(), 'temp')"
    ).fetchall()
    made = {(name, bool(temporary)) for name, temporary in rows}
    for model in models:
        if (model.relation, model.temporary) not in made:
            kind = "a temporary" if model.temporary else "a persistent"
            raise WarehouseError(
                f"SQL {model.file.name} did not make {kind} relation {model.relation} "
                "(a file makes the relation it is named after; staging/ and intermediate/ make temporary "
                "ones, marts/ persistent ones)"
            )
    declared = {m.relation for m in models if not m.temporary}
    undeclared = sorted(name for name, temporary in made if not temporary and name not in declared)
    if undeclared:
        raise WarehouseError(
            f"table(s) {', '.join(undeclared)} have no SQL file of their own: give each its own file in "
            "warehouse/marts/ named after it, whose header states its grain, key and incremental rule"
        )
