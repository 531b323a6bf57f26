"""Parquet partitions exposed to the warehouse SQL as typed relations named ``src_<source>_<table>``.

The SQL never sees a file path: Python lists the partitions, checks them against the Arrow schema and
registers one relation per table over the files a build reads (all of them, or an incremental build's
new runs), for every table the source registry declares, so adding a source adds its relations. A table
with no partitions yet (no study has results) becomes an empty relation of the right types, so the SQL
runs unchanged.

The partitions are scanned by DuckDB's own Parquet reader through a temporary view (parallel, with
projection and filter pushdown), not through a Python Arrow dataset: that halves the build. The view
unions the files BY NAME with an empty relation of the Arrow schema, so a column an older file lacks
reads as NULL with the schema's type, exactly as before. Temporary views never reach the warehouse file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import WarehouseError
from pipeline.sources import registry

PARTITION_PREFIX = "run_id="
SCHEMA_SUFFIX = "__schema"  # the empty typed relation each source view is unioned with


def source_tables() -> dict[str, dict[str, pa.Schema]]:
    """Source (the folder under data_dir/parquet/) -> table folder -> schema, from the registry."""
    return {name: source.parquet_tables for name, source in registry.SOURCES.items()}


def versions_relations() -> dict[str, tuple[str, str, str, tuple[str, ...]]]:
    """Relation -> (source, record table, key, columns): every version of a record, narrow.

    What the per-record SQL needs from a record's whole history (status history, removals, the changes
    baseline). A full build scans every partition; an incremental build scans every partition too, but
    only for the keys its new runs touched (see ``splice.create_touched_keys``).
    """
    return {
        s.versions.relation: (s.name, s.record_table, s.key, s.versions.columns)
        for s in registry.SOURCES.values()
    }


PARTITION_FILES_RELATION = "src_partition_files"
PARTITION_FILES_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("file", pa.string(), nullable=False),
        pa.field("bytes", pa.int64(), nullable=False),
        pa.field("modified_ns", pa.int64(), nullable=False),
    ]
)


@dataclass(frozen=True)
class PartitionFile:
    """One Parquet file of one run's partition, with what tells whether it changed since a build read it."""

    source: str
    table: str
    run_id: str
    file: str  # relative to the Parquet folder
    bytes: int
    modified_ns: int

    def key(self) -> tuple[str, int, int]:
        return (self.file, self.bytes, self.modified_ns)


@dataclass(frozen=True)
class SourceTable:
    """What was registered for one table: its relation name and the runs holding a partition."""

    source: str
    table: str
    relation: str
    files: tuple[Path, ...]
    run_ids: tuple[str, ...]


def relation_name(source: str, table: str) -> str:
    return f"src_{source}_{table}"


def find_partitions(table_dir: Path) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """Files and run ids of the finished partitions.

    A writer's in-progress or moved-aside folders (``run_id=<id>.tmp-<pid>``, ``.old-<pid>``) are skipped:
    run ids never contain a dot.
    """
    if not table_dir.is_dir():
        return (), ()
    run_dirs = sorted(p for p in table_dir.glob(f"{PARTITION_PREFIX}*") if p.is_dir() and "." not in p.name)
    files = tuple(f for d in run_dirs for f in sorted(d.glob("part-*.parquet")))
    return files, tuple(d.name.removeprefix(PARTITION_PREFIX) for d in run_dirs)


def partition_files(parquet_dir: Path) -> list[PartitionFile]:
    """Every finished partition file of every source table, in source, table, run order."""
    found = []
    for source, tables in source_tables().items():
        for table in tables:
            files, _ = find_partitions(parquet_dir / source / table)
            for path in files:
                try:
                    stat = path.stat()
                except OSError as exc:
                    raise WarehouseError(f"cannot read Parquet file {path}: {exc.strerror}") from None
                run_id = path.parent.name.removeprefix(PARTITION_PREFIX)
                rel = path.relative_to(parquet_dir).as_posix()
                found.append(PartitionFile(source, table, run_id, rel, stat.st_size, stat.st_mtime_ns))
    return found


def check_file_schema(path: Path, schema: pa.Schema) -> None:
    """Fail on a file the warehouse cannot use; a missing optional column (older schema) reads as NULL."""
    try:
        names = set(pq.read_schema(path).names)
    except (OSError, pa.ArrowException) as exc:
        raise WarehouseError(f"cannot read Parquet file {path}: {exc}") from None
    missing = [f.name for f in schema if not f.nullable and f.name not in names]
    if missing:
        raise WarehouseError(f"Parquet file {path} lacks required columns: {', '.join(missing)}")


def register_partition_files(con: duckdb.DuckDBPyConnection, files: list[PartitionFile]) -> None:
    """Every partition on disk, whichever the build reads: the SQL takes run lists from it."""
    rows = [
        {
            "source": f.source,
            "table_name": f.table,
            "run_id": f.run_id,
            "file": f.file,
            "bytes": f.bytes,
            "modified_ns": f.modified_ns,
        }
        for f in files
    ]
    con.register(PARTITION_FILES_RELATION, pa.Table.from_pylist(rows, schema=PARTITION_FILES_SCHEMA))


def register_sources(
    con: duckdb.DuckDBPyConnection,
    parquet_dir: Path,
    files: list[PartitionFile],
) -> list[SourceTable]:
    """Register one relation per source table over ``files`` (checked against the table's schema);
    the relations live as long as the connection."""
    found = []
    for source, tables in source_tables().items():
        for table, schema in tables.items():
            mine = [f for f in files if f.source == source and f.table == table]
            paths = tuple(parquet_dir / f.file for f in mine)
            for path in paths:
                check_file_schema(path, schema)
            name = relation_name(source, table)
            _register_scan(con, name, schema, paths)
            run_ids = tuple(sorted({f.run_id for f in mine}))
            found.append(SourceTable(source, table, name, paths, run_ids))
    return found


def register_versions(
    con: duckdb.DuckDBPyConnection,
    parquet_dir: Path,
    files: list[PartitionFile],
    key_relations: dict[str, str] | None = None,
) -> None:
    """Register the versions relations over ``files`` (already checked); ``key_relations`` maps a key
    column to a relation listing the only keys wanted (all keys when absent)."""
    tables = source_tables()
    for name, (source, table, key, columns) in versions_relations().items():
        schema = tables[source][table]
        narrow = pa.schema([schema.field(c) for c in columns])
        paths = tuple(parquet_dir / f.file for f in files if f.source == source and f.table == table)
        keys = (key_relations or {}).get(key)
        where = (
            f"{_quoted_identifier(key)} IN (SELECT {_quoted_identifier(key)} FROM {keys})" if keys else None
        )
        _register_scan(con, name, narrow, paths, where)


def _register_scan(
    con: duckdb.DuckDBPyConnection,
    name: str,
    schema: pa.Schema,
    paths: tuple[Path, ...],
    where: str | None = None,
) -> None:
    """``name`` reads ``paths`` with exactly ``schema``'s columns; no files gives an empty typed relation."""
    if not paths:
        con.register(name, schema.empty_table())
        return
    con.register(name + SCHEMA_SUFFIX, schema.empty_table())
    types = con.execute(f"DESCRIBE {name}{SCHEMA_SUFFIX}").fetchall()
    con.execute(_scan_view_sql(name, [(row[0], row[1]) for row in types], paths, where))


def _scan_view_sql(
    name: str, columns: list[tuple[str, str]], files: tuple[Path, ...], where: str | None = None
) -> str:
    """A temporary view reading ``files`` natively, with exactly the schema's columns and DuckDB types
    (``columns``: name and type as DESCRIBE gives them for the schema's empty relation)."""
    select = ", ".join(f"CAST({_quoted_identifier(c)} AS {t}) AS {_quoted_identifier(c)}" for c, t in columns)
    paths = ", ".join(_string_literal(str(f)) for f in files)
    return (
        f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {select} FROM ("
        f"SELECT * FROM {name}{SCHEMA_SUFFIX} UNION ALL BY NAME "
        f"SELECT * FROM read_parquet([{paths}], union_by_name = true))" + (f" WHERE {where}" if where else "")
    )


def _quoted_identifier(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _string_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
