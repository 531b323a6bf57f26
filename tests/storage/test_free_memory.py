"""release_freed_memory gives the C heap's free pages back to the system (glibc on Linux)."""

from __future__ import annotations

import ctypes.util
import os
from pathlib import Path

import pytest

from pipeline.util.free_memory import release_freed_memory

STATUS = Path(f"/proc/{os.getpid()}/status")


def resident_mb() -> float:
    line = next(line for line in STATUS.read_text().splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@pytest.mark.skipif(not STATUS.exists() or ctypes.util.find_library("c") is None, reason="Linux only")
def test_freed_heap_memory_is_returned() -> None:
    # 160 MB in blocks small enough for the heap (not mmap); the last one stays alive, so the heap
    # cannot shrink from its top by itself, and free() alone keeps the pages resident.
    blocks = [os.urandom(64 * 1024) for _ in range(2560)]
    keep = bytes(blocks[-1])
    del blocks
    before = resident_mb()
    release_freed_memory()
    assert resident_mb() < before - 100
    assert keep
