"""The memory a warehouse build may use: DuckDB's limit, where it spills, and more for one file only
when a statement cannot do with less.

Without a limit DuckDB may use 80% of the machine's memory and keeps what it reads and builds in it, so
the build's peak grows with the corpus. Under a limit, sorts, joins and aggregates spill to a folder
beside the warehouse instead, and the peak stays put. Some work cannot spill (a large sort's final
merge, a row group being written): a file that runs out of memory is rolled back (each file is one
transaction) and run again with twice the limit, up to DuckDB's own default; the next file starts
from the configured limit again. A large corpus costs disk and time, never a failed build.

The build also runs on ``resources.warehouse_threads`` DuckDB threads (one by default) and without
DuckDB's asynchronous I/O pool: it reads local Parquet files and writes its tables one after another,
and on 2 cores a second thread and the I/O pool's eight threads cost about a quarter more CPU and a
fifth more wall time (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.warehouse.sql_files import OutOfMemory, SqlFile, run_sql_file

logger = logging.getLogger(__name__)
DUCKDB_DEFAULT_SHARE = 0.8  # DuckDB's own limit: this share of the machine's memory


def machine_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


@dataclass(frozen=True)
class MemoryBudget:
    """``limit_mb``: DuckDB's limit for the build; ``ceiling_mb``: the most one file may be given;
    ``threads``: DuckDB's worker threads (None: DuckDB's default, one per core)."""

    limit_mb: int
    ceiling_mb: int
    spill_dir: Path  # DuckDB's temp_directory: the caller removes it after the build
    threads: int | None = None

    @classmethod
    def of(cls, limit_mb: int, spill_dir: Path, threads: int | None = None) -> MemoryBudget:
        ceiling = max(limit_mb, int(machine_mb() * DUCKDB_DEFAULT_SHARE))
        return cls(limit_mb, ceiling, spill_dir, threads)

    def connect(self, path: Path) -> duckdb.DuckDBPyConnection:
        config: dict[str, str | int] = {
            "memory_limit": f"{self.limit_mb}MB",
            "temp_directory": str(self.spill_dir),
            "async_threads": 0,  # local files: the worker threads read them themselves
        }
        if self.threads is not None:
            config["threads"] = self.threads
        return duckdb.connect(str(path), config=config)


def run_files(con: duckdb.DuckDBPyConnection, files: list[SqlFile], budget: MemoryBudget) -> None:
    """Each file in its own transaction, under the budget's limit (more for a file that needs it)."""
    for sql_file in files:
        limit = budget.limit_mb
        while True:
            try:
                run_sql_file(con, sql_file)
                break
            except OutOfMemory:
                if limit >= budget.ceiling_mb:
                    raise
                limit = min(2 * limit, budget.ceiling_mb)
                logger.info("SQL %s needs more memory: run again with %d MB", sql_file.name, limit)
                _set_limit(con, limit)
        if limit != budget.limit_mb:
            _set_limit(con, budget.limit_mb)


def _set_limit(con: duckdb.DuckDBPyConnection, limit_mb: int) -> None:
    con.execute(f"SET memory_limit = '{int(limit_mb)}MB'")
