"""Files and folders replaced whole: written beside their target, fsynced, then renamed over it.

A reader, or a run restarted after a crash or a power cut, sees the old content or the new one, never
a part of either. The rename is atomic because the temporary sits in the target's folder (same file
system); fsyncing the data before the rename and the folder after it makes both survive a power cut.
The one recipe for every writer: raw pages and manifests, run records, CSV exports, the warehouse
file and Parquet partition folders.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ASIDE = "old"  # replace_dir moves a previous folder to "<name>.old-<pid>" until the new one is in place


def fsync_path(path: Path) -> None:
    """Flush a file's data, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temporary_beside(target: Path, kind: str = "tmp") -> Path:
    """A fresh hidden name in ``target``'s folder; no reader's pattern (``*.json``, ``*.gz``) matches it."""
    return target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.{kind}")


def publish(tmp: Path, target: Path) -> None:
    """Make the finished file ``tmp`` durable, then atomically the content of ``target``."""
    fsync_path(tmp)
    os.replace(tmp, target)
    fsync_path(target.parent)


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield a temporary path to fill; a block that ends normally publishes it as ``target``.

    On any error the temporary is removed and ``target`` keeps its previous content (or stays absent).
    """
    tmp = temporary_beside(target)
    try:
        yield tmp
        publish(tmp, target)
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()


def write_atomically(target: Path, data: bytes) -> None:
    """``data`` becomes the whole content of ``target``, or on error nothing changes."""
    with replacing(target) as tmp, open(tmp, "wb") as fh:
        fh.write(data)


def replace_dir(src: Path, dst: Path) -> None:
    """Rename the finished folder ``src`` to ``dst``; an existing ``dst`` is moved aside first and dropped
    afterwards, or put back if the rename fails. A crash in between leaves ``<dst>.old-<pid>`` for the
    caller's recovery to restore (see ``parquet.writer``)."""
    old = dst.with_name(f"{dst.name}.{ASIDE}-{os.getpid()}")
    had_old = dst.exists()
    if had_old:
        shutil.rmtree(old, ignore_errors=True)
        os.replace(dst, old)
    try:
        os.replace(src, dst)
    except OSError:
        if had_old:
            os.replace(old, dst)
        raise
    fsync_path(dst.parent)
    if had_old:
        shutil.rmtree(old, ignore_errors=True)
