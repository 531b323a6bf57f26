"""Folders a run replaces whole (the HTML report, the nightly forest plots): the marker that lets a run
take one over, and whether a run can write one at all, asked before it fetches anything.

Both writers build the new folder beside the destination and rename it into place (``durable``), so what
must accept a new entry is the destination's parent, or, when that does not exist yet, the nearest
folder above it, where the missing ones will be made. The probe makes (and removes) an empty folder
there: permissions, a read-only file system or a file in the way all show, also for root, which
``os.access`` would wave through.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

REPORT_MARKER = ".evidence-report"  # only a folder holding it (or an empty one) is replaced whole
PLOTS_MARKER = ".evidence-plots"
PLOTS_FOLDER = "plots"  # under storage.data_dir


def holds_foreign_files(folder: Path, marker: str) -> bool:
    """An existing folder without ``marker`` and not empty: a replacement would empty someone's files."""
    return folder.is_dir() and not (folder / marker).exists() and any(folder.iterdir())


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
