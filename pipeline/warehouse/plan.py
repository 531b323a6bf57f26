"""Decides whether a build may update the previous warehouse in place (incremental) or must derive
every table from every partition (full), and says why.

An incremental build gives the same tables as a full one only when the previous warehouse was built by
the same SQL, schemas, classes and DuckDB release from partitions that are all still on disk unchanged,
and when the new partitions can only add newer versions of records: they belong to runs newer than every
run already read, none of them is a full pull (a full pull's absences remove records anywhere), and the
changes baseline is the state the previous build published. Anything else, or any doubt, means a full build.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipeline.runs.source_plan import Mode
from pipeline.sources import registry
from pipeline.sources.spec import Source
from pipeline.warehouse.relations import PartitionFile, source_tables, versions_relations
from pipeline.warehouse.sql_files import SqlFile

FORMAT_VERSION = "incremental-1"  # bump when the on-disk meaning of a table changes without SQL changes


@dataclass(frozen=True)
class BuildPlan:
    mode: Mode
    reason: str
    fingerprint: str
    new_files: tuple[PartitionFile, ...] = ()
    new_runs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # source -> run ids, oldest first


@dataclass(frozen=True)
class PreviousBuild:
    """What the last warehouse says about how it was built."""

    fingerprint: str
    inputs: tuple[PartitionFile, ...]


def fingerprint(
    sql_files: list[SqlFile], class_rows: list[dict[str, Any]], derived: Mapping[str, str] | None = None
) -> str:
    """Everything besides the partitions that determines the warehouse's content. The DuckDB version
    too: a new release may format or compute a value differently, and an incremental build would then
    mix rows derived by both releases. ``derived``: the config digest of each derivation (the endpoint
    taxonomy), which also makes the endpoints dimension and the class pools."""
    digest = hashlib.sha256(f"{FORMAT_VERSION}\0duckdb {duckdb.__version__}".encode())
    for sql_file in sql_files:
        digest.update(f"\0{sql_file.name}\0{sql_file.text}".encode())
    for source, tables in sorted(source_tables().items()):
        for table, schema in sorted(tables.items()):
            digest.update(f"\0{source}.{table}\0{schema.to_string(show_schema_metadata=False)}".encode())
    digest.update(json.dumps(versions_relations(), sort_keys=True).encode())
    digest.update(json.dumps(class_rows, sort_keys=True).encode())
    digest.update(json.dumps(dict(derived or {}), sort_keys=True).encode())
    return digest.hexdigest()


def read_previous_build(path: Path) -> PreviousBuild | str:
    """The previous build's fingerprint and inputs, or why they cannot be had."""
    if not path.exists():
        return "no previous warehouse"
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        return f"the previous warehouse cannot be opened ({str(exc).splitlines()[0]})"
    try:
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if not {"warehouse_builds", "warehouse_inputs"} <= names:
            return "the previous warehouse predates incremental builds"
        row = con.execute("SELECT fingerprint FROM warehouse_builds").fetchone()
        inputs = con.execute(
            "SELECT source, table_name, run_id, file, bytes, modified_ns FROM warehouse_inputs"
        ).fetchall()
    except duckdb.Error as exc:
        return f"the previous warehouse's build record cannot be read ({str(exc).splitlines()[0]})"
    finally:
        con.close()
    if row is None or not row[0]:
        return "the previous warehouse has no build fingerprint"
    return PreviousBuild(row[0], tuple(PartitionFile(*r) for r in inputs))


def plan_build(
    previous: PreviousBuild | str,
    files: list[PartitionFile],
    fingerprint_now: str,
    raw_run_modes: dict[tuple[str, str], str],
    succeeded_runs: dict[str, list[str]],
    force_full: str | None = None,
) -> BuildPlan:
    """``raw_run_modes``: (source, run_id) -> full/incremental for complete raw runs;
    ``succeeded_runs``: per source with a changes baseline, the run ids the run log records as succeeded."""

    if force_full or isinstance(previous, str):
        return BuildPlan("full", force_full or str(previous), fingerprint_now)
    reason = _changed_inputs(previous, files, fingerprint_now)
    known = {f.file for f in previous.inputs}
    new_files = tuple(f for f in files if f.file not in known)
    new_runs: dict[str, tuple[str, ...]] = {}
    if reason is None:
        new_runs, reason = _new_runs(previous, new_files, raw_run_modes, succeeded_runs)
    if reason is not None:
        return BuildPlan("full", reason, fingerprint_now)
    summary = ", ".join(f"{s} {len(r)} new run(s)" for s, r in new_runs.items()) or "no new partitions"
    return BuildPlan("incremental", summary, fingerprint_now, new_files, new_runs)


def _changed_inputs(previous: PreviousBuild, files: list[PartitionFile], fingerprint_now: str) -> str | None:
    """Why the previous build's inputs no longer stand (so only a full build is right), or None."""
    if previous.fingerprint != fingerprint_now:
        return (
            "the warehouse SQL, Parquet schemas, treatment classes, endpoint taxonomy or DuckDB version "
            "changed since the last build"
        )
    on_disk = {f.file: f for f in files}
    for old in previous.inputs:
        now = on_disk.get(old.file)
        if now is None:
            return f"partition file {old.file} read by the last build is gone"
        if now.key() != old.key():
            return f"partition file {old.file} changed since the last build"
    return None


def _new_runs(
    previous: PreviousBuild,
    new_files: tuple[PartitionFile, ...],
    raw_run_modes: dict[tuple[str, str], str],
    succeeded_runs: dict[str, list[str]],
) -> tuple[dict[str, tuple[str, ...]], str | None]:
    """Each source's new runs, and why they cannot be spliced in (so only a full build is right) or None."""
    new_runs: dict[str, tuple[str, ...]] = {}
    for source in registry.SOURCES:
        runs = sorted({f.run_id for f in new_files if f.source == source})
        newest_old = max((f.run_id for f in previous.inputs if f.source == source), default=None)
        if runs and newest_old is not None and runs[0] <= newest_old:
            return (
                new_runs,
                f"new {source} partitions for run {runs[0]}, not newer than the last build's {newest_old}",
            )
        for run_id in runs:
            if raw_run_modes.get((source, run_id), "full") == "full":
                return new_runs, f"{source} run {run_id} is a full pull: its absences may remove any record"
        if runs:
            new_runs[source] = tuple(runs)
    for source, runs in new_runs.items():
        reason = _baseline_moved(previous, registry.get(source), runs, succeeded_runs.get(source, []))
        if reason:
            return new_runs, reason
    return new_runs, None


def _baseline_moved(
    previous: PreviousBuild, source: Source, new_runs: tuple[str, ...], succeeded: list[str]
) -> str | None:
    """A changes table compares with the source's last successful run before the latest; an incremental
    build can only skip the untouched records when that baseline is what the previous build held."""
    baseline_tables = source.changes_baseline
    read = [f.run_id for f in previous.inputs if f.source == source.name and f.table in baseline_tables]
    if not read:
        return None
    newest_read = max(read)
    baseline = max((r for r in succeeded if r < new_runs[-1]), default=None)
    if baseline is None or baseline < newest_read:
        return (
            f"the last build read {source.name} run {newest_read}, which did not succeed: "
            "the changes baseline differs from what it published"
        )
    return None
