"""Folders a run replaces whole (the HTML report, the nightly forest plots): the marker that lets a run
take one over, whether a run can write one at all (asked before it fetches anything), and the one recipe
both writers replace theirs with.

The new folder is built beside the destination and renamed into place (``durable``), so what must accept
a new entry is the destination's parent, or, when that does not exist yet, the nearest folder above it,
where the missing ones will be made. The probe makes (and removes) an empty folder there: permissions, a
read-only file system or a file in the way all show, also for root, which ``os.access`` would wave through.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.util.durable import replace_dir, temporary_beside

REPORT_MARKER = ".evidence-report"  # only a folder holding it (or an empty one) is replaced whole
PLOTS_MARKER = ".evidence-plots"
PLOTS_FOLDER = "plots"  # under storage.data_dir


class UnreplaceableFolder(ValueError):
    """The destination is a file, or a folder holding files this pipeline did not write: replacing it
    whole would delete them. Each writer words it for its own command."""

    def __init__(self, folder: Path, *, is_file: bool) -> None:
        self.folder = folder
        self.is_file = is_file
        super().__init__(
            f"{folder} is a file" if is_file else f"{folder} holds files this pipeline did not write"
        )


def holds_foreign_files(folder: Path, marker: str) -> bool:
    """An existing folder without ``marker`` and not empty: a replacement would empty someone's files."""
    return folder.is_dir() and not (folder / marker).exists() and any(folder.iterdir())


@contextmanager
def replaced_folder(folder: Path, marker: str, marker_text: str) -> Iterator[Path]:
    """Yield an empty temporary folder to fill; a block that ends normally gets ``marker`` written into it
    and then replaces ``folder`` whole. On any error the temporary is removed and ``folder`` stays as it
    was (or absent). A file or a folder of foreign files is refused (UnreplaceableFolder) before anything
    is made."""
    if folder.exists() and not folder.is_dir():
        raise UnreplaceableFolder(folder, is_file=True)
    if holds_foreign_files(folder, marker):
        raise UnreplaceableFolder(folder, is_file=False)
    tmp = temporary_beside(folder)
    try:
        tmp.mkdir(parents=True)
        yield tmp
        (tmp / marker).write_text(marker_text, encoding="utf-8")
        replace_dir(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def why_unwritable(folder: Path) -> str | None:
    """Why ``folder`` cannot be created or replaced, or None when it can."""
    if folder.exists() and not folder.is_dir():
        return "it is a file"
    nearest = folder.parent
    while not nearest.exists() and nearest != nearest.parent:
        nearest = nearest.parent
    if not nearest.is_dir():
        return f"{nearest} is a file, so no folder can be made under it"
    try:
        Path(tempfile.mkdtemp(prefix=".evidence-write-check-", dir=nearest)).rmdir()
    except OSError as exc:
        return f"nothing can be created in {nearest}: {exc.strerror or exc}"
    return None
