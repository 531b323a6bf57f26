"""Parquet partitions exposed to the warehouse SQL as typed relations named ``src_<source>_<table>``.

The SQL never sees a file path: Python lists the partitions, checks them against the Arrow schema and
registers one relation per table, so adding a source is one entry in SOURCES plus its SQL files. A table
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
from pipeline.normalise.ctgov_schemas import REREADS, TRIAL_CLASSES
from pipeline.normalise.ctgov_schemas import TABLES as CTGOV_TABLES
from pipeline.normalise.pubmed_class_schema import PUBLICATION_CLASSES
from pipeline.normalise.pubmed_schemas import TABLES as PUBMED_TABLES

# Source (the folder under data_dir/parquet/) -> table folder -> schema.
SOURCES: dict[str, dict[str, pa.Schema]] = {
    "ctgov": {**CTGOV_TABLES, "rereads": REREADS, "trial_classes": TRIAL_CLASSES},
    "pubmed": {**PUBMED_TABLES, "publication_classes": PUBLICATION_CLASSES},
}
PARTITION_PREFIX = "run_id="
SCHEMA_SUFFIX = "__schema"  # the empty typed relation each source view is unioned with


@dataclass(frozen=True)
class SourceTable:
    """What was found on disk for one table: its relation name and the runs holding a partition."""

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


def check_file_schema(path: Path, schema: pa.Schema) -> None:
    """Fail on a file the warehouse cannot use; a missing optional column (older schema) reads as NULL."""
    try:
        names = set(pq.read_schema(path).names)
    except (OSError, pa.ArrowException) as exc:
        raise WarehouseError(f"cannot read Parquet file {path}: {exc}") from None
    missing = [f.name for f in schema if not f.nullable and f.name not in names]
    if missing:
        raise WarehouseError(f"Parquet file {path} lacks required columns: {', '.join(missing)}")


def register_sources(
    con: duckdb.DuckDBPyConnection,
    parquet_dir: Path,
    sources: dict[str, dict[str, pa.Schema]] = SOURCES,
) -> list[SourceTable]:
    """Register every source table on ``con``; the relations live as long as the connection."""
    found = []
    for source, tables in sources.items():
        for table, schema in tables.items():
            files, run_ids = find_partitions(parquet_dir / source / table)
            for path in files:
                check_file_schema(path, schema)
            name = relation_name(source, table)
            if files:
                con.register(name + SCHEMA_SUFFIX, schema.empty_table())
                types = con.execute(f"DESCRIBE {name}{SCHEMA_SUFFIX}").fetchall()
                con.execute(_scan_view_sql(name, [(row[0], row[1]) for row in types], files))
            else:
                con.register(name, schema.empty_table())
            found.append(SourceTable(source, table, name, files, run_ids))
    return found


def _scan_view_sql(name: str, columns: list[tuple[str, str]], files: tuple[Path, ...]) -> str:
    """A temporary view reading ``files`` natively, with exactly the schema's columns and DuckDB types
    (``columns``: name and type as DESCRIBE gives them for the schema's empty relation)."""
    select = ", ".join(f"CAST({_quoted_identifier(c)} AS {t}) AS {_quoted_identifier(c)}" for c, t in columns)
    paths = ", ".join(_string_literal(str(f)) for f in files)
    return (
        f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {select} FROM ("
        f"SELECT * FROM {name}{SCHEMA_SUFFIX} UNION ALL BY NAME "
        f"SELECT * FROM read_parquet([{paths}], union_by_name = true))"
    )


def _quoted_identifier(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _string_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
