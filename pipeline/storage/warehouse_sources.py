"""Parquet partitions exposed to the warehouse SQL as typed relations named ``src_<source>_<table>``.

The SQL never sees a file path: Python lists the partitions, checks them against the Arrow schema and
registers one relation per table, so adding a source is one entry in SOURCES plus its SQL files. A table
with no partitions yet (no study has results) becomes an empty relation of the right types, so the SQL
runs unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from pipeline.errors import WarehouseError
from pipeline.normalise.ctgov_schemas import TABLES as CTGOV_TABLES
from pipeline.normalise.ctgov_schemas import TRIAL_CLASSES
from pipeline.normalise.pubmed_class_schema import PUBLICATION_CLASSES
from pipeline.normalise.pubmed_schemas import TABLES as PUBMED_TABLES

# Source (the folder under data_dir/parquet/) -> table folder -> schema.
SOURCES: dict[str, dict[str, pa.Schema]] = {
    "ctgov": {**CTGOV_TABLES, "trial_classes": TRIAL_CLASSES},
    "pubmed": {**PUBMED_TABLES, "publication_classes": PUBLICATION_CLASSES},
}
PARTITION_PREFIX = "run_id="


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
            if files:
                data: ds.Dataset | pa.Table = ds.dataset(
                    [str(f) for f in files], schema=schema, format="parquet"
                )
            else:
                data = schema.empty_table()
            name = relation_name(source, table)
            con.register(name, data)
            found.append(SourceTable(source, table, name, files, run_ids))
    return found
