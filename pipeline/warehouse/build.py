"""Builds the DuckDB warehouse from the Parquet tables, atomically, in full or incrementally.

The new warehouse is built in a temporary file next to the old one, checked, closed, and only then
moved over it with ``os.replace``. Readers that have the old file open keep their data; anything that
goes wrong (bad Parquet, SQL error, failed check, crash) leaves the old file as it was.

A full build derives every table from every partition. When ``plan`` allows it, an incremental build
starts from a copy of the previous warehouse instead: the SQL files whose header derives them before the
splice run in an in-memory scratch database over the new runs' partitions and the touched records'
versions, their rows replace those records' rows in the copy (``splice``), then the files derived after
the splice and every data check run on the result, exactly as after a full build (``sql_layers``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline.config import Settings
from pipeline.errors import WarehouseError
from pipeline.outcomes.warehouse_step import CONFIG_ENDPOINTS_RELATION, endpoint_rows
from pipeline.sources import registry
from pipeline.util.durable import fsync_path, publish, temporary_beside
from pipeline.warehouse.build_steps import check_build_steps, run_build_steps
from pipeline.warehouse.checks import run_checks, warehouse_checks
from pipeline.warehouse.memory import MemoryBudget, run_files
from pipeline.warehouse.plan import (
    BuildPlan,
    PreviousBuild,
    fingerprint,
    plan_build,
    read_previous_build,
)
from pipeline.warehouse.relations import (
    PartitionFile,
    partition_files,
    register_partition_files,
    register_sources,
    register_versions,
)
from pipeline.warehouse.run_outputs import derivation_digests, require_run_outputs
from pipeline.warehouse.runs import RunMetadata
from pipeline.warehouse.splice import SCRATCH, create_touched_keys, splice
from pipeline.warehouse.sql_files import first_line, packaged_sql_files, sql_files_in
from pipeline.warehouse.sql_layers import WarehouseSql, check_relations, load_warehouse_sql
from pipeline.warehouse.value_lists import register_value_lists

CONFIG_CLASSES_RELATION = "src_config_treatment_classes"
CONFIG_CLASSES_SCHEMA = pa.schema(
    [
        pa.field("treatment_class", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("parent", pa.string()),
        pa.field("terms", pa.list_(pa.string())),
        pa.field("intervention_types", pa.list_(pa.string())),
        pa.field("mesh_terms", pa.list_(pa.string())),
        pa.field("mesh_ids", pa.list_(pa.string())),
        pa.field("min_match_strength", pa.string(), nullable=False),
        pa.field("sort_order", pa.int32(), nullable=False),
    ]
)
BUILD_PLAN_RELATION = "src_build_plan"


@dataclass(frozen=True)
class BuildSummary:
    path: Path
    n_trials: int
    class_counts: dict[str, int]  # trials per configured class (ancestors include their subclasses)
    runs: tuple[str, ...]  # source:run_id of the runs supplying current records
    data_timestamps: tuple[str, ...]
    mode: str = "full"  # full or incremental
    reason: str = ""  # why that mode


@dataclass(frozen=True)
class BuildInputs:
    """What one build reads before it starts: the SQL, the Parquet partitions, the run log and the
    configured classes (together they decide the plan's fingerprint)."""

    sql: WarehouseSql
    files: list[PartitionFile]
    runs: RunMetadata
    classes: list[dict[str, object]]
    derivations: dict[str, str]  # derived-table digests (endpoint taxonomy and logic version)

    def fingerprint(self) -> str:
        return fingerprint(self.sql.files, self.classes, self.derivations)


def build_warehouse(settings: Settings, sql_dir: Path | None = None, full: str | None = None) -> BuildSummary:
    """Rebuild settings.warehouse.path, incrementally when that gives the same result; ``full`` forces a
    full build (the reason it gives is recorded); sql_dir replaces the packaged SQL (to try changes)."""
    target = settings.warehouse.path
    sql = load_warehouse_sql(sql_files_in(sql_dir) if sql_dir is not None else packaged_sql_files())
    check_build_steps(sql)
    _refuse_pending_wal(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"cannot create the warehouse folder {target.parent}: {exc.strerror}") from None
    inputs = BuildInputs(
        sql,
        partition_files(settings.parquet_dir),
        RunMetadata.read(settings),
        _config_class_rows(settings),
        derivation_digests(settings),
    )
    with _temporary_database(target) as tmp:
        plan = _plan(target, tmp, inputs, full)
        summary = _build_into(tmp, settings, inputs, plan)
        fsync_path(tmp)  # the slow flush comes before the last check, so the swap follows it at once
        _refuse_pending_wal(target)
        publish(tmp, target)
    return replace(summary, path=target)


def _plan(target: Path, tmp: Path, inputs: BuildInputs, full: str | None) -> BuildPlan:
    """Copy the previous warehouse to ``tmp`` and plan from the copy (what will be updated is what was
    judged); a full build starts from an empty ``tmp`` instead."""
    previous: PreviousBuild | str = full or "no previous warehouse"
    if not full and target.exists():
        shutil.copyfile(target, tmp)
        previous = read_previous_build(tmp)
    runs = inputs.runs
    succeeded = {name: runs.succeeded(name) for name, s in registry.SOURCES.items() if s.changes_baseline}
    plan = plan_build(previous, inputs.files, inputs.fingerprint(), runs.raw_run_modes(), succeeded, full)
    if plan.mode == "full":
        tmp.unlink(missing_ok=True)
    return plan


def _build_into(path: Path, settings: Settings, inputs: BuildInputs, plan: BuildPlan) -> BuildSummary:
    sql, files = inputs.sql, inputs.files
    resources = settings.resources
    budget = MemoryBudget.of(resources.warehouse_memory_mb, _spill_dir(path), resources.warehouse_threads)
    con = budget.connect(path)
    try:
        register_partition_files(con, files)
        inputs.runs.register(con)
        register_value_lists(con)
        classes = pa.Table.from_pylist(inputs.classes, schema=CONFIG_CLASSES_SCHEMA)
        con.register(CONFIG_CLASSES_RELATION, classes)
        con.register(CONFIG_ENDPOINTS_RELATION, endpoint_rows(settings))
        con.register(
            BUILD_PLAN_RELATION,
            pa.Table.from_pylist(
                [{"build_mode": plan.mode, "build_reason": plan.reason, "fingerprint": plan.fingerprint}]
            ),
        )
        if plan.mode == "full":
            require_run_outputs(settings, register_sources(con, settings.parquet_dir, files))
            register_versions(con, settings.parquet_dir, files)
            run_files(con, [m.file for m in sql.before_splice], budget)
            run_build_steps(con, settings)
            run_files(con, [m.file for m in sql.after_splice], budget)
            check_relations(con, list(sql.models))
        else:
            require_run_outputs(settings, register_sources(con, settings.parquet_dir, list(plan.new_files)))
            touched = create_touched_keys(con)
            register_versions(con, settings.parquet_dir, files, touched)
            _update_in_place(con, settings, sql, set(plan.new_runs), touched, budget)
        checks = warehouse_checks(sql)
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
    return replace(summary, mode=plan.mode, reason=plan.reason)


def _update_in_place(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    sql: WarehouseSql,
    new_sources: set[str],
    touched: dict[str, str],
    budget: MemoryBudget,
) -> None:
    """SQL derived before the splice into scratch, its rows into the copy, then the build steps and the
    rest on the copy."""
    target = con.execute("SELECT current_database()").fetchone()[0]
    con.execute(f"ATTACH ':memory:' AS {SCRATCH}")
    con.execute(f"USE {SCRATCH}")
    try:
        run_files(con, [m.file for m in sql.before_splice], budget)
        check_relations(con, sql.before_splice)
    finally:
        con.execute(f'USE "{target}"')
    splice(con, target, sql.per_record, touched, new_sources)
    con.execute(f"DETACH {SCRATCH}")
    run_build_steps(con, settings)
    run_files(con, [m.file for m in sql.after_splice], budget)
    check_relations(con, list(sql.models))


def _config_class_rows(settings: Settings) -> list[dict[str, object]]:
    return [
        {
            "treatment_class": name,
            "label": tc.label,
            "parent": tc.parent,
            "terms": list(tc.terms),
            "intervention_types": list(tc.intervention_types) if tc.intervention_types is not None else None,
            "mesh_terms": list(tc.mesh_terms),
            "mesh_ids": list(tc.mesh_ids),
            "min_match_strength": tc.min_match_strength or settings.classifier.min_match_strength,
            "sort_order": i,
        }
        for i, (name, tc) in enumerate(settings.treatment_classes.items())
    ]


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


def _spill_dir(path: Path) -> Path:
    """Where DuckDB spills what does not fit its memory limit during the build (removed after it)."""
    return path.with_name(path.name + ".spill")


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
    tmp = temporary_beside(target, "building")
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
        shutil.rmtree(_spill_dir(tmp), ignore_errors=True)
