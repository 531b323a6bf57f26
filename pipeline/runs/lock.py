"""One refresh at a time per data folder: an OS file lock that dies with its process.

``flock`` is released by the kernel when the holder exits, even on kill -9, so a crashed run never
leaves a stale lock behind; the file only records who holds it, for the error message.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import PipelineError

LOCK_FILE = ".refresh.lock"


class RefreshLocked(PipelineError):
    """Another refresh or rebuild holds the data folder."""


@contextmanager
def refresh_lock(data_dir: Path, purpose: str) -> Iterator[None]:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise PipelineError(f"cannot use data folder {data_dir}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise RefreshLocked(
                f"another run is in progress on {data_dir} ({holder}); try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"{purpose} by pid {os.getpid()} since {stamp}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
