"""The one atomic-replace recipe: a target changes whole or not at all, and no temporary is left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.util import durable
from pipeline.util.durable import replace_dir, replacing, write_atomically


def test_write_atomically_replaces_the_whole_content(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old content that is longer")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_a_failed_fill_keeps_the_previous_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("the writer died")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]


def test_the_temporary_is_hidden_beside_the_target(tmp_path: Path) -> None:
    target = tmp_path / "page-000001.json.gz"
    with replacing(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".page-000001.json.gz.")
        assert not tmp.match("*.gz") and not tmp.match("*.json")
        tmp.write_bytes(b"x")
    assert target.read_bytes() == b"x"


def test_data_and_folder_are_flushed_before_and_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    monkeypatch.setattr(durable, "fsync_path", lambda path: events.append(f"fsync {Path(path).name}"))
    real_replace = durable.os.replace
    monkeypatch.setattr(
        durable.os, "replace", lambda src, dst: (events.append("rename"), real_replace(src, dst))
    )
    write_atomically(tmp_path / "run.json", b"{}")
    assert events[1:] == ["rename", f"fsync {tmp_path.name}"]
    assert events[0].startswith("fsync .run.json.")


def test_replace_dir_swaps_a_folder_and_drops_the_old_one(tmp_path: Path) -> None:
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "part.parquet").write_bytes(b"new")
    (tmp_path / "run_id=x").mkdir()
    (tmp_path / "run_id=x" / "part.parquet").write_bytes(b"old")
    replace_dir(tmp_path / "new", tmp_path / "run_id=x")
    assert (tmp_path / "run_id=x" / "part.parquet").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run_id=x"]


def test_replace_dir_puts_the_old_folder_back_if_the_rename_fails(tmp_path: Path) -> None:
    (tmp_path / "run_id=x").mkdir()
    (tmp_path / "run_id=x" / "part.parquet").write_bytes(b"old")
    with pytest.raises(OSError):
        replace_dir(tmp_path / "missing", tmp_path / "run_id=x")
    assert (tmp_path / "run_id=x" / "part.parquet").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run_id=x"]
