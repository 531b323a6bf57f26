"""The pipeline's processes give freed memory back to the system (glibc on Linux): at a step's end
(release_freed_memory), and large blocks as they are freed (release_memory_as_freed)."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.util.free_memory import release_freed_memory

STATUS = Path(f"/proc/{os.getpid()}/status")
REPO = Path(__file__).resolve().parents[2]
glibc_only = pytest.mark.skipif(
    not STATUS.exists() or ctypes.util.find_library("c") is None, reason="Linux only"
)

# Run apart, so the allocator settings stay out of the test process: how many MB freeing 90 MB of 10 MiB
# blocks gives back while a block above them in the heap stays alive.
GIVEN_BACK = """
import os, sys
from pipeline.util.free_memory import release_memory_as_freed

def resident_mb():
    line = next(line for line in open("/proc/self/status") if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024

if sys.argv[1] == "as-freed":
    release_memory_as_freed()
first = os.urandom(24 << 20)
del first  # glibc now takes blocks below 24 MiB from its heap, unless told otherwise
blocks = [os.urandom(10 << 20) for _ in range(9)]
above = os.urandom(512 << 10)
before = resident_mb()
del blocks
print(before - resident_mb())
"""


def resident_mb() -> float:
    line = next(line for line in STATUS.read_text().splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@glibc_only
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


def given_back_mb(mode: str) -> float:
    run = subprocess.run(
        [sys.executable, "-c", GIVEN_BACK, mode], cwd=REPO, capture_output=True, text=True, check=True
    )
    return float(run.stdout)


@glibc_only
def test_large_blocks_are_returned_as_they_are_freed() -> None:
    assert given_back_mb("default") < 10  # what the setting changes: glibc alone keeps them
    assert given_back_mb("as-freed") > 80


def test_arrow_buffers_come_from_the_c_library_unless_the_user_chose_a_pool() -> None:
    code = "import pipeline, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    for chosen, expected in ((None, "system"), ("mimalloc", "mimalloc")):
        run_env = env if chosen is None else {**env, "ARROW_DEFAULT_MEMORY_POOL": chosen}
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, env=run_env, capture_output=True, text=True, check=True
        )
        assert run.stdout.strip() == expected
