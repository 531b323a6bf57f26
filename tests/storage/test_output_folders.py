"""The one recipe for replacing the report and plots folders whole: someone else's folder or file is
refused untouched, a failure keeps the previous folder, and no temporary folder is left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.util import output_folders
from pipeline.util.output_folders import UnreplaceableFolder, replaced_folder

MARKER = ".evidence-test"
TEXT = "Written by the tests: replaced whole.\n"


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_new_folder_is_created_with_its_marker(tmp_path: Path) -> None:
    out = tmp_path / "site" / "report"
    with replaced_folder(out, MARKER, TEXT) as tmp:
        assert tmp.parent == out.parent and tmp.is_dir() and not any(tmp.iterdir())
        (tmp / "index.html").write_text("new")
    assert names(out) == [MARKER, "index.html"] and (out / MARKER).read_text() == TEXT
    assert names(tmp_path / "site") == ["report"], "no temporary folder left"


def test_a_marked_folder_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "plots"
    out.mkdir()
    (out / MARKER).write_text(TEXT)
    (out / "stale.svg").write_text("from an earlier run")
    with replaced_folder(out, MARKER, TEXT) as tmp:
        (tmp / "fresh.svg").write_text("new")
    assert names(out) == [MARKER, "fresh.svg"]
    assert names(tmp_path) == ["plots"], "neither the temporary nor the old folder left"


def test_an_empty_folder_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    with replaced_folder(out, MARKER, TEXT) as tmp:
        (tmp / "a.txt").write_text("a")
    assert names(out) == [MARKER, "a.txt"]


def test_a_folder_of_foreign_files_or_a_file_is_refused_untouched(tmp_path: Path) -> None:
    foreign = tmp_path / "Desktop"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    (tmp_path / "report").write_text("a file")
    for target, is_file in ((foreign, False), (tmp_path / "report", True)):
        with pytest.raises(UnreplaceableFolder) as info, replaced_folder(target, MARKER, TEXT):
            pytest.fail("the block must not run")
        assert info.value.folder == target and info.value.is_file is is_file
    assert (foreign / "notes.txt").read_text() == "keep me" and names(foreign) == ["notes.txt"]
    assert (tmp_path / "report").read_text() == "a file"
    assert names(tmp_path) == ["Desktop", "report"], "no temporary folder made"


def test_a_failed_fill_or_swap_keeps_the_previous_folder(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "report"
    with replaced_folder(out, MARKER, TEXT) as tmp:
        (tmp / "index.html").write_text("previous")
    with pytest.raises(RuntimeError), replaced_folder(out, MARKER, TEXT) as tmp:
        (tmp / "index.html").write_text("half")
        raise RuntimeError("the writer died")
    assert (out / "index.html").read_text() == "previous" and names(tmp_path) == ["report"]

    def no_rename(src: Path, dst: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output_folders, "replace_dir", no_rename)
    with pytest.raises(OSError, match="No space left"), replaced_folder(out, MARKER, TEXT) as tmp:
        (tmp / "index.html").write_text("new")
    assert (out / "index.html").read_text() == "previous" and names(tmp_path) == ["report"]
