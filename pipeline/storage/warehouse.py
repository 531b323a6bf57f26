"""Builds the DuckDB warehouse from the Parquet tables, atomically.

The new warehouse is built in a temporary file next to the old one, checked, closed, and only then
moved over it with ``os.replace``. Readers that have the old file open keep their data; anything that
goes wrong (bad Parquet, SQL error, failed check, crash) leaves the old file as it was.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline.config import Settings
from pipeline.errors import WarehouseError
from pipeline.storage.durable import fsync_path
from pipeline.storage.warehouse_checks import data_checks, documentation_checks, run_checks
from pipeline.storage.warehouse_runs import register_run_metadata
from pipeline.storage.warehouse_sources import SourceTable, register_sources
from pipeline.storage.warehouse_sql import (
    SqlFile,
    first_line,
    packaged_sql_files,
    run_sql_files,
    sql_files_in,
)

CONFIG_CLASSES_RELATION = "src_config_treatment_classes"
CONFIG_CLASSES_SCHEMA = pa.schema(
    [
        pa.field("treatment_class", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("parent", pa.string()),
        pa.field("terms", pa.list_(pa.string())),
        pa.field("intervention_types", pa.list_(pa.string())),
        pa.field("sort_order", pa.int32(), nullable=False),
    ]
)


@dataclass(frozen=True)
class BuildSummary:
    path: Path
    n_trials: int
    class_counts: dict[str, int]  # trials per configured class (ancestors include their subclasses)
    runs: tuple[str, ...]  # source:run_id of the runs supplying current records
    data_timestamps: tuple[str, ...]


def build_warehouse(settings: Settings, sql_dir: Path | None = None) -> BuildSummary:
    """Rebuild settings.warehouse.path; sql_dir replaces the packaged SQL (to try changes)."""
    target = settings.warehouse.path
    sql_files = sql_files_in(sql_dir) if sql_dir is not None else packaged_sql_files()
    _refuse_pending_wal(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"cannot create the warehouse folder {target.parent}: {exc.strerror}") from None
    with _temporary_database(target) as tmp:
        summary = _build_into(tmp, settings, sql_files)
        fsync_path(tmp)
        _refuse_pending_wal(target)
        os.replace(tmp, target)
    return replace(summary, path=target)


def _build_into(path: Path, settings: Settings, sql_files: list[SqlFile]) -> BuildSummary:
    con = duckdb.connect(str(path))
    try:
        tables = register_sources(con, settings.parquet_dir)
        _require_classified_runs(tables)
        register_run_metadata(con, settings)
        _register_config_classes(con, settings)
        run_sql_files(con, sql_files)
        checks = data_checks(list(settings.treatment_classes)) + documentation_checks()
        try:
            failures = run_checks(con, checks)
        except duckdb.Error as exc:
            raise WarehouseError(f"a data check could not run: {first_line(str(exc))}") from None
        if failures:
            raise WarehouseError(
                f"{len(failures)} data check(s) failed, previous warehouse kept: "
                + "; ".join(f.describe() for f in failures)
            )
        summary = _summarise(con, path)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return summary


def _register_config_classes(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    rows = [
        {
            "treatment_class": name,
            "label": tc.label,
            "parent": tc.parent,
            "terms": list(tc.terms),
            "intervention_types": list(tc.intervention_types) if tc.intervention_types is not None else None,
            "sort_order": i,
        }
        for i, (name, tc) in enumerate(settings.treatment_classes.items())
    ]
    con.register(CONFIG_CLASSES_RELATION, pa.Table.from_pylist(rows, schema=CONFIG_CLASSES_SCHEMA))


CLASSIFIED_BY = {
    ("ctgov", "trials"): ("trial_classes", "steps.classify_ctgov"),
    ("pubmed", "publications"): ("publication_classes", "steps.classify_pubmed"),
}


def _require_classified_runs(tables: list[SourceTable]) -> None:
    """A run without classifier output would silently drop the classes of every record it updates."""
    by_name = {(t.source, t.table): t for t in tables}
    for (source, table), (classes_table, step) in CLASSIFIED_BY.items():
        records, classes = by_name.get((source, table)), by_name.get((source, classes_table))
        if records is None or classes is None:
            continue
        unclassified = sorted(set(records.run_ids) - set(classes.run_ids))
        if unclassified:
            raise WarehouseError(
                f"{source} run(s) {', '.join(unclassified)} have {table} but no {classes_table} partition: "
                f"classify them ({step}) before building the warehouse"
            )


def _summarise(con: duckdb.DuckDBPyConnection, path: Path) -> BuildSummary:
    n_trials, runs, stamps = (
        con.cursor().execute("SELECT n_trials, run_ids, data_timestamps FROM warehouse_builds").fetchone()
    )
    counts = (
        con.cursor()
        .execute(
            "SELECT treatment_class, CAST(sum(n_trials) AS BIGINT) FROM evidence "
            "GROUP BY treatment_class ORDER BY treatment_class"
        )
        .fetchall()
    )
    return BuildSummary(path, n_trials, dict(counts), tuple(runs), tuple(stamps))


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _refuse_pending_wal(target: Path) -> None:
    """A leftover write-ahead log would be replayed onto the new file by the next opener: stop instead."""
    if _wal(target).exists():
        raise WarehouseError(
            f"{_wal(target)} exists: a process is writing to the warehouse or crashed while doing so; "
            "close it (or open the warehouse once with DuckDB to replay the log) and build again"
        )


@contextmanager
def _temporary_database(target: Path) -> Iterator[Path]:
    """A fresh path next to target (same file system, so the swap is atomic); removed unless swapped in."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.building")
    try:
        yield tmp
    except WarehouseError:
        raise
    except duckdb.Error as exc:
        raise WarehouseError(
            f"warehouse build failed, previous warehouse kept: {first_line(str(exc))}"
        ) from exc
    except Exception as exc:
        raise WarehouseError(
            f"warehouse build failed, previous warehouse kept: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        for leftover in (tmp, _wal(tmp)):
            with suppress(FileNotFoundError):
                leftover.unlink()
