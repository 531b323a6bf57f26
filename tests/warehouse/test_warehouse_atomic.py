"""A failed build keeps the previous warehouse byte for byte; readers survive a rebuild."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from ctgov_parquet_builder import FETCHED_2, RUN_2, gepant_trial, write_partition, write_run
from sql_folder import copy_of_packaged_sql

from pipeline.config import Settings
from pipeline.errors import WarehouseError
from pipeline.warehouse import build as warehouse
from pipeline.warehouse.build import build_warehouse

NEWER_RUN = "20260301T030000Z-cccc"


def snapshot(settings: Settings) -> tuple[bytes, list[str]]:
    folder = settings.warehouse.path.parent
    return settings.warehouse.path.read_bytes(), sorted(p.name for p in folder.iterdir())


def write_newer_run(settings: Settings, phase: str = "PHASE2") -> None:
    rows = gepant_trial("COMPLETED", "completed", with_rescue=False, last_update=date(2019, 2, 1))
    rows["trials"][0]["phase"] = phase
    write_run(settings.parquet_dir, NEWER_RUN, FETCHED_2.replace(month=3), rows, "2026-02-28T22:00:00")


def test_failed_data_check_keeps_previous_warehouse(built: Settings) -> None:
    before = snapshot(built)
    write_newer_run(built, phase="PHASE5")
    with pytest.raises(WarehouseError) as excinfo:
        build_warehouse(built)
    message = str(excinfo.value)
    assert "trials.phase allowed values" in message
    assert "evidence_trials.phase allowed values" in message
    assert "PHASE5" in message
    assert "\n" not in message
    assert snapshot(built) == before


def test_broken_sql_keeps_previous_warehouse(built: Settings, tmp_path: Path) -> None:
    before = snapshot(built)
    sql_dir = copy_of_packaged_sql(tmp_path)
    header = "-- grain: one row\n-- key: none\n-- incremental: rebuild\n\n"
    broken = header + "CREATE TABLE fine AS SELECT 1 AS x;\n\n-- a renamed table\n"
    broken += "CREATE TABLE oops AS SELECT * FROM trial;"
    (sql_dir / "marts" / "oops.sql").write_text(broken, encoding="utf-8")
    with pytest.raises(WarehouseError, match=r"SQL marts/oops\.sql line 8 failed: Catalog Error: .*trial"):
        build_warehouse(built, sql_dir=sql_dir)
    assert snapshot(built) == before
    (sql_dir / "marts" / "oops.sql").write_text(header + "CREATE TABLE oops AS SELEC 1;\n", encoding="utf-8")
    with pytest.raises(WarehouseError, match=r"SQL marts/oops\.sql does not parse: Parser Error"):
        build_warehouse(built, sql_dir=sql_dir)
    assert snapshot(built) == before


def test_crash_during_build_keeps_previous_warehouse(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(built)

    def crash(*_args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(warehouse, "run_checks", crash)
    with pytest.raises(WarehouseError, match="previous warehouse kept: RuntimeError: disk on fire"):
        build_warehouse(built)
    assert snapshot(built) == before


def test_undocumented_column_fails_the_build(built: Settings, tmp_path: Path) -> None:
    sql_dir = copy_of_packaged_sql(tmp_path)
    trials = sql_dir / "marts" / "trials" / "trials.sql"
    trials.write_text(
        trials.read_text(encoding="utf-8") + "ALTER TABLE trials ADD COLUMN note VARCHAR;\n", encoding="utf-8"
    )
    with pytest.raises(WarehouseError, match=r"every column commented \(1 failing, e\.g\. trials\.note\)"):
        build_warehouse(built, sql_dir=sql_dir)


def test_reader_keeps_working_during_rebuild(built: Settings) -> None:
    reader = duckdb.connect(str(built.warehouse.path), read_only=True)
    try:
        assert reader.execute("SELECT run_id FROM trials WHERE nct_id = 'NCT01613248'").fetchall() == [
            (RUN_2,)
        ]
        write_newer_run(built)
        build_warehouse(built)
        assert reader.execute("SELECT run_id FROM trials WHERE nct_id = 'NCT01613248'").fetchall() == [
            (RUN_2,)
        ]
        assert reader.execute("SELECT count(*) FROM evidence_trials").fetchone() == (6,)
    finally:
        reader.close()
    fresh = duckdb.connect(str(built.warehouse.path), read_only=True)
    try:
        assert fresh.execute("SELECT run_id FROM trials WHERE nct_id = 'NCT01613248'").fetchall() == [
            (NEWER_RUN,)
        ]
    finally:
        fresh.close()


def test_run_without_classifier_output_is_refused(built: Settings) -> None:
    before = snapshot(built)
    rows = gepant_trial("COMPLETED", "completed", with_rescue=False, last_update=date(2019, 2, 1))
    del rows["trial_classes"]
    write_run(built.parquet_dir, NEWER_RUN, FETCHED_2.replace(month=3), rows, "x")
    with pytest.raises(
        WarehouseError, match=f"run\\(s\\) {NEWER_RUN} have trials but no trial_classes partition"
    ):
        build_warehouse(built)
    assert snapshot(built) == before


def test_parquet_missing_a_required_column_is_named(settings: Settings) -> None:
    path = write_partition(settings.parquet_dir, "conditions", RUN_2, [], FETCHED_2)
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"nct_id": pa.array([], pa.string())}), path)
    with pytest.raises(WarehouseError, match=r"part-00000\.parquet lacks required columns: condition_idx"):
        build_warehouse(settings)
    assert not settings.warehouse.path.exists()
    assert list(settings.warehouse.path.parent.iterdir()) == []


def test_pending_write_ahead_log_stops_the_swap(built: Settings) -> None:
    wal = built.warehouse.path.with_name(built.warehouse.path.name + ".wal")
    wal.write_bytes(b"not ours")
    with pytest.raises(WarehouseError, match=r"evidence\.duckdb\.wal exists"):
        build_warehouse(built)
