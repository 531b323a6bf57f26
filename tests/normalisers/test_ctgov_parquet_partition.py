"""PartitionWriter / write_partition: all-or-nothing Parquet partitions (reused by the PubMed normaliser)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.errors import NormaliseError
from pipeline.parquet.writer import PART_FILE, PartitionWriter, partition_dir, write_partition

SCHEMA = pa.schema([pa.field("id", pa.string(), nullable=False), pa.field("n", pa.int64())])
OTHER = pa.schema([pa.field("x", pa.float64())])
RUN = "20260101T000000Z-0001"


def batch(ids: list[str]) -> pa.Table:
    return pa.table({"id": ids, "n": list(range(len(ids)))}, schema=SCHEMA)


def test_batches_become_one_zstd_file_per_table(tmp_path: Path) -> None:
    with PartitionWriter(tmp_path, RUN, {"a": SCHEMA, "b": OTHER}) as writer:
        writer.write({"a": batch(["x", "y"])})
        writer.write({"a": batch(["z"]), "b": pa.table({"x": [1.5]}, schema=OTHER)})
    assert writer.rows == {"a": 3, "b": 1}
    path = partition_dir(tmp_path, "a", RUN) / PART_FILE
    assert pq.read_table(path).column("id").to_pylist() == ["x", "y", "z"]
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_table(partition_dir(tmp_path, "b", RUN) / PART_FILE).num_rows == 1


def test_a_table_with_no_rows_still_gets_a_readable_file(tmp_path: Path) -> None:
    path = write_partition(tmp_path, "a", RUN, SCHEMA, [])
    table = pq.read_table(path / PART_FILE)
    assert table.num_rows == 0 and table.schema.equals(SCHEMA)


def test_failure_leaves_no_partition_and_keeps_the_previous_one(tmp_path: Path) -> None:
    write_partition(tmp_path, "a", RUN, SCHEMA, [batch(["old"])])
    with pytest.raises(RuntimeError), PartitionWriter(tmp_path, RUN, {"a": SCHEMA, "b": OTHER}) as writer:
        writer.write({"a": batch(["new"])})
        raise RuntimeError("page 2 failed")
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["a", "b", f"run_id={RUN}", PART_FILE])
    assert pq.read_table(partition_dir(tmp_path, "a", RUN) / PART_FILE).column("id").to_pylist() == ["old"]


def test_rerun_replaces_the_partition(tmp_path: Path) -> None:
    write_partition(tmp_path, "a", RUN, SCHEMA, [batch(["old", "older"])])
    write_partition(tmp_path, "a", RUN, SCHEMA, [batch(["new"])])
    assert pq.read_table(partition_dir(tmp_path, "a", RUN) / PART_FILE).column("id").to_pylist() == ["new"]
    assert [p.name for p in (tmp_path / "a").iterdir()] == [f"run_id={RUN}"]


def test_schema_mismatch_and_nulls_in_required_columns_are_errors(tmp_path: Path) -> None:
    with (
        pytest.raises(NormaliseError, match="do not match its schema"),
        PartitionWriter(tmp_path, RUN, {"a": SCHEMA}) as writer,
    ):
        writer.write({"a": pa.table({"id": ["x"]})})
    with (
        pytest.raises(NormaliseError, match="invalid"),
        PartitionWriter(tmp_path, RUN, {"a": SCHEMA}) as writer,
    ):
        writer.write(
            {"a": pa.Table.from_arrays([pa.array([None], pa.string()), pa.array([1])], schema=SCHEMA)}
        )
    with (
        pytest.raises(NormaliseError, match="not part of this Parquet partition"),
        PartitionWriter(tmp_path, RUN, {"a": SCHEMA}) as writer,
    ):
        writer.write({"zzz": batch(["x"])})
    assert not (tmp_path / "a" / f"run_id={RUN}").exists()
    assert list((tmp_path / "a").iterdir()) == []


@pytest.mark.parametrize("bad", ["", "a.b", "../x"])
def test_run_ids_that_would_escape_or_look_temporary_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(NormaliseError, match="invalid run id"):
        PartitionWriter(tmp_path, bad, {"a": SCHEMA})


def dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(proc.stdout)


def test_leftovers_of_a_dead_writer_are_cleaned_up(tmp_path: Path) -> None:
    pid = dead_pid()
    final = partition_dir(tmp_path, "a", RUN)
    final.parent.mkdir(parents=True)
    (final.parent / f"{final.name}.tmp-{pid}").mkdir()  # died while writing
    moved_aside = final.parent / f"{final.name}.old-{pid}"  # died between moving aside and renaming
    moved_aside.mkdir()
    pq.write_table(batch(["previous"]), moved_aside / PART_FILE)
    live = final.parent / f"{final.name}.tmp-{os.getppid()}"  # a live process: left alone
    live.mkdir()
    with PartitionWriter(tmp_path, RUN, {"a": SCHEMA}):
        assert pq.read_table(final / PART_FILE).column("id").to_pylist() == ["previous"]
    assert sorted(p.name for p in final.parent.iterdir()) == sorted([final.name, live.name])
