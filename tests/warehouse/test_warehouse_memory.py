"""The build's memory budget: DuckDB's limit and spill folder, and more memory for a file that needs it."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

from pipeline.config import Settings
from pipeline.warehouse.memory import MemoryBudget, run_files
from pipeline.warehouse.sql_files import OutOfMemory, SqlFile

# A list aggregate is built whole in memory (it cannot spill): ~24 MB of integers for 3 million rows.
NEEDS_MEMORY = SqlFile(
    "marts/x/big.sql", "CREATE TABLE big AS SELECT list(i) AS l FROM range(3000000) AS r(i);\n"
)
SMALL = SqlFile("marts/x/small.sql", "CREATE TABLE small AS SELECT 1 AS one;\n")


def limit_text(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_the_connection_has_the_budget_limit_and_spill_folder(tmp_path: Path) -> None:
    budget = MemoryBudget.of(64, tmp_path / "spill")
    with budget.connect(tmp_path / "w.duckdb") as con:
        assert limit_text(con) == "61.0 MiB"  # DuckDB shows 64 MB in MiB
        spill = con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
        assert spill == str(tmp_path / "spill")


def test_the_connection_has_the_configured_threads_and_no_io_pool(tmp_path: Path, settings: Settings) -> None:
    """The build's threads come from resources.warehouse_threads (1 by default); None keeps DuckDB's own."""
    assert settings.resources.warehouse_threads == 1
    budget = MemoryBudget.of(64, tmp_path / "spill", settings.resources.warehouse_threads)
    with budget.connect(tmp_path / "w.duckdb") as con:
        setting = "SELECT current_setting('threads'), current_setting('async_threads')"
        assert con.execute(setting).fetchone() == (1, 0)
    with MemoryBudget.of(64, tmp_path / "spill").connect(tmp_path / "d.duckdb") as con:
        default = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == default


def test_a_file_that_cannot_spill_runs_again_with_more_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    budget = MemoryBudget(limit_mb=8, ceiling_mb=1024, spill_dir=tmp_path / "spill")
    with budget.connect(tmp_path / "w.duckdb") as con, caplog.at_level(logging.INFO):
        run_files(con, [NEEDS_MEMORY, SMALL], budget)
        assert con.execute("SELECT estimated_size FROM duckdb_tables() WHERE table_name = 'big'").fetchone()
        assert con.execute("SELECT one FROM small").fetchone()[0] == 1
        assert limit_text(con) == "7.6 MiB"  # the next files start from the configured limit again
    assert "marts/x/big.sql needs more memory: run again with 16 MB" in caplog.text
    assert "small.sql" not in caplog.text


def test_beyond_the_ceiling_the_file_fails_and_leaves_nothing(tmp_path: Path) -> None:
    budget = MemoryBudget(limit_mb=8, ceiling_mb=8, spill_dir=tmp_path / "spill")
    with budget.connect(tmp_path / "w.duckdb") as con:
        with pytest.raises(OutOfMemory, match=r"SQL marts/x/big\.sql line 1 failed: Out of Memory"):
            run_files(con, [NEEDS_MEMORY], budget)
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'big'").fetchone()[0] == 0
