"""One run's Parquet partition for a set of tables, made visible only once it is whole.

Every table of a run is streamed into ``<out_root>/<table>/run_id=<run_id>.tmp-<pid>/part-00000.parquet``
(one ParquetWriter per table, explicit schema, zstd), then each folder is renamed to
``run_id=<run_id>``, replacing the partition an earlier normalisation of the same run left. If anything
fails before that, the temporary folders are removed: readers never see a partial partition.
Readers should take only ``run_id=<id>`` folders: run ids hold no ".", the in-progress ones do.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import NormaliseError
from pipeline.util.durable import ASIDE, fsync_path, replace_dir

PART_FILE = "part-00000.parquet"
COMPRESSION = "zstd"


def partition_dir(out_root: Path, table: str, run_id: str) -> Path:
    return out_root / table / f"run_id={run_id}"


def write_partition(
    out_root: Path, table: str, run_id: str, schema: pa.Schema, batches: Iterable[pa.Table]
) -> Path:
    """Write one table's partition for a run from ``batches`` (all or nothing); returns its folder."""
    with PartitionWriter(out_root, run_id, {table: schema}) as writer:
        for batch in batches:
            writer.write({table: batch})
    return partition_dir(out_root, table, run_id)


class PartitionWriter:
    """Context manager: ``write`` page after page; leaving the block normally publishes every table."""

    def __init__(self, out_root: Path, run_id: str, schemas: Mapping[str, pa.Schema]) -> None:
        if not run_id or "." in run_id or "/" in run_id:
            raise NormaliseError(f"invalid run id for a Parquet partition: {run_id!r}")
        self.out_root = out_root
        self.run_id = run_id
        self.schemas = dict(schemas)
        self.rows: dict[str, int] = dict.fromkeys(self.schemas, 0)
        self._suffix = f".tmp-{os.getpid()}"
        self._writers: dict[str, pq.ParquetWriter] = {}

    # -- lifecycle ----------------------------------------------------------------------------------

    def __enter__(self) -> PartitionWriter:
        try:
            for table, schema in self.schemas.items():
                final = partition_dir(self.out_root, table, self.run_id)
                final.parent.mkdir(parents=True, exist_ok=True)
                _remove_abandoned(final)
                tmp = self._tmp_dir(table)
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir()
                self._writers[table] = pq.ParquetWriter(tmp / PART_FILE, schema, compression=COMPRESSION)
        except OSError as exc:
            self._abort()
            raise NormaliseError(f"cannot create Parquet partition under {self.out_root}: {exc}") from None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._commit()
        else:
            self._abort()

    # -- writing ------------------------------------------------------------------------------------

    def write(self, tables: Mapping[str, pa.Table]) -> None:
        """Append one batch per table; each call becomes a row group, so memory stays per batch."""
        for table, data in tables.items():
            writer = self._writers.get(table)
            if writer is None:
                raise NormaliseError(f"table {table!r} is not part of this Parquet partition")
            if not data.schema.equals(self.schemas[table]):
                raise NormaliseError(f"rows for Parquet table {table!r} do not match its schema")
            if data.num_rows == 0:
                continue
            try:
                writer.write_table(data)
            except OSError as exc:
                raise NormaliseError(f"cannot write Parquet table {table!r}: {exc}") from None
            except pa.ArrowInvalid as exc:  # e.g. a null in a non-nullable column
                raise NormaliseError(f"rows for Parquet table {table!r} are invalid: {exc}") from None
            self.rows[table] += data.num_rows

    def _tmp_dir(self, table: str) -> Path:
        final = partition_dir(self.out_root, table, self.run_id)
        return final.with_name(final.name + self._suffix)

    def _commit(self) -> None:
        try:
            for table, writer in self._writers.items():
                writer.close()
                fsync_path(self._tmp_dir(table) / PART_FILE)
            for table in self._writers:
                replace_dir(self._tmp_dir(table), partition_dir(self.out_root, table, self.run_id))
        except OSError as exc:
            self._abort()
            raise NormaliseError(f"cannot publish Parquet partition run_id={self.run_id}: {exc}") from None
        finally:
            self._writers.clear()

    def _abort(self) -> None:
        for table, writer in self._writers.items():
            with contextlib.suppress(Exception):
                writer.close()
            shutil.rmtree(self._tmp_dir(table), ignore_errors=True)
        for table in self.schemas:
            shutil.rmtree(self._tmp_dir(table), ignore_errors=True)
        self._writers.clear()


def _remove_abandoned(final: Path) -> None:
    """Clean up after a process that died mid-write: drop its temporary folder, and put back a
    previous partition it had moved aside but not yet replaced."""
    for stale in sorted(final.parent.glob(f"{final.name}.*-*")):
        kind, _, pid = stale.name[len(final.name) + 1 :].partition("-")
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if kind == ASIDE and not final.exists():
            os.replace(stale, final)
        else:
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
