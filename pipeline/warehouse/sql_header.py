"""The header each warehouse SQL file starts with: what its relation holds and how a build treats it.

A model file (``staging/``, ``intermediate/``, ``marts/``) makes the one relation it is named after and
starts with::

    -- grain: trial x arm, in registry order
    -- key: nct_id, arm_idx
    -- incremental: patch by nct_id
    -- not null: nct_id, arm_idx                 (optional)
    -- allowed: phase in phases or null          (optional, one line per column)

``key`` lists the columns that identify a row, or ``none (why)``; in ``marts/`` it is checked unique.
``incremental`` says what an incremental build does with the relation:

- ``patch by <column>``: per-record table, derived before the splice for the touched records only;
  their rows replace those records' rows (``<column>`` names the records, e.g. nct_id, pmid);
- ``replace when <source> has new runs``: derived before the splice; replaces the whole table, and only
  when that source has new runs;
- ``keep``: derived before the splice from inputs the build fingerprint covers (the config); the
  previous build's table is kept;
- ``append``: runs after the splice on the whole warehouse and extends its own previous rows;
- ``rebuild``: runs after the splice and derives the relation again from the whole warehouse (also a
  staging view over a relation a Python build step registers then, ``build_steps.py``);
- ``before splice``: a temporary relation (staging, intermediate) derived before the splice from what
  the build registered: in an incremental build, the new runs' partitions and the touched records'
  versions, so only SQL derived before the splice (and ``append``) may read it;
- ``complete``: a temporary relation derived before the splice from inputs that are whole in both build
  modes (run log, raw runs, the list of partitions, config, build plan): any SQL may read it.

A note in parentheses may follow any value. ``not null`` and ``allowed`` (``<column> in <list>``, where
``<list>`` names a value list of ``pipeline/warehouse/value_lists.py`` or spells one out as
``(a, b, c)``; ``or null`` admits NULL) become data checks. A file in ``checks/`` starts with
``-- check: <name>`` instead. A blank line or the first statement ends the header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.errors import WarehouseError
from pipeline.warehouse.sql_files import SqlFile

FIELD = re.compile(r"^--\s*(grain|key|incremental|not null|allowed|check):\s*(.*?)\s*$")
NOTE = re.compile(r"^(.*?)\s*(?:\((?:.*)\))?$")
NAMES = re.compile(r"^\w+(?:\s*,\s*\w+)*$")
ALLOWED = re.compile(r"^(\w+) in (\w+|\(([^)]*)\))( or null)?$")
RULES = (
    "patch by <column>",
    "replace when <source> has new runs",
    "keep",
    "append",
    "rebuild",
    "before splice",
    "complete",
)
AFTER_SPLICE = ("append", "rebuild")


@dataclass(frozen=True)
class Incremental:
    kind: str  # patch, replace, keep, append, rebuild, before splice or complete
    column: str | None = None  # patch by <column>
    source: str | None = None  # replace when <source> has new runs

    @property
    def before_splice(self) -> bool:
        return self.kind not in AFTER_SPLICE


@dataclass(frozen=True)
class Allowed:
    column: str
    list_name: str | None  # a named value list, or
    values: tuple[str, ...]  # the values spelled out
    nullable: bool


@dataclass(frozen=True)
class Header:
    grain: str
    key: tuple[str, ...]
    incremental: Incremental
    not_null: tuple[str, ...] = ()
    allowed: tuple[Allowed, ...] = ()


def header_fields(sql_file: SqlFile) -> list[tuple[str, str]]:
    """(field, value) of every header line, in order; the header is the file's leading comment block."""
    fields = []
    for line in sql_file.text.splitlines():
        if not line.startswith("--"):
            break
        match = FIELD.match(line)
        if match:
            fields.append((match.group(1), match.group(2)))
    return fields


def parse_header(sql_file: SqlFile) -> Header:
    """The model header of ``sql_file``; a missing or malformed field is a one-line error naming the file."""
    fields = header_fields(sql_file)
    single = {}
    for field, value in fields:
        if field in ("grain", "key", "incremental", "check"):
            if field in single:
                raise _error(sql_file, f"states '{field}:' twice")
            single[field] = value
    missing = [f for f in ("grain", "key", "incremental") if not single.get(f)]
    if missing:
        raise _error(
            sql_file,
            f"header lacks {', '.join(f + ':' for f in missing)} (every model file starts with its grain, "
            f"key and incremental rule: {'; '.join(RULES)})",
        )
    not_null = tuple(c for field, value in fields if field == "not null" for c in _names(sql_file, value))
    allowed = tuple(_allowed(sql_file, value) for field, value in fields if field == "allowed")
    return Header(
        single["grain"],
        _key(sql_file, single["key"]),
        _incremental(sql_file, single["incremental"]),
        not_null,
        allowed,
    )


def check_name(sql_file: SqlFile) -> str:
    """The name a check file reports its failures under (its ``-- check:`` line)."""
    names = [value for field, value in header_fields(sql_file) if field == "check" and value]
    if len(names) != 1:
        raise _error(sql_file, "a check file starts with one '-- check: <name>' line")
    return names[0]


def _error(sql_file: SqlFile, message: str) -> WarehouseError:
    return WarehouseError(f"SQL {sql_file.name}: {message}")


def _without_note(value: str) -> str:
    match = NOTE.match(value)
    return match.group(1) if match else value


def _names(sql_file: SqlFile, value: str) -> tuple[str, ...]:
    if not NAMES.match(value):
        raise _error(sql_file, f"expected comma-separated column names, got '{value}'")
    return tuple(c.strip() for c in value.split(","))


def _key(sql_file: SqlFile, value: str) -> tuple[str, ...]:
    plain = _without_note(value)
    return () if plain == "none" else _names(sql_file, plain)


def _incremental(sql_file: SqlFile, value: str) -> Incremental:
    plain = _without_note(value)
    if match := re.fullmatch(r"patch by (\w+)", plain):
        return Incremental("patch", column=match.group(1))
    if match := re.fullmatch(r"replace when (\w+) has new runs", plain):
        return Incremental("replace", source=match.group(1))
    if plain in ("keep", "append", "rebuild", "before splice", "complete"):
        return Incremental(plain)
    raise _error(sql_file, f"unknown incremental rule '{plain}' (one of: {'; '.join(RULES)})")


def _allowed(sql_file: SqlFile, value: str) -> Allowed:
    match = ALLOWED.match(value)
    if not match:
        raise _error(sql_file, f"expected 'allowed: <column> in <list or (a, b)> [or null]', got '{value}'")
    column, listed, spelled, nullable = match.groups()
    if spelled is None:
        return Allowed(column, listed, (), nullable is not None)
    values = tuple(v.strip() for v in spelled.split(",") if v.strip())
    return Allowed(column, None, values, nullable is not None)
