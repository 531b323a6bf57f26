"""A writable copy of the packaged warehouse SQL, for tests that build with changed SQL (``sql_dir``)."""

from __future__ import annotations

from pathlib import Path

from pipeline.warehouse.sql_files import packaged_sql_files


def copy_of_packaged_sql(tmp_path: Path) -> Path:
    folder = tmp_path / "sql"
    for sql_file in packaged_sql_files():
        path = folder / sql_file.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql_file.text, encoding="utf-8")
    return folder
