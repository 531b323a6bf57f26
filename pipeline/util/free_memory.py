"""Handing memory a finished step freed back to the system, so the next step does not start above it.

A long-lived process (a refresh, a rebuild) normalises and classifies, then builds the warehouse. The
pages and tables it freed stay mapped to it: the C library's allocator keeps freed blocks for reuse
(and so does pyarrow's, mimalloc, when it is the one in use), while DuckDB's own allocator cannot reuse
them. They can be asked to let go at a step's end (``release_freed_memory``), and large blocks can be
let go as they are freed (``release_memory_as_freed``). Arrow's buffers come from the C library's
malloc (``pipeline/__init__.py`` sets ``ARROW_DEFAULT_MEMORY_POOL``): mimalloc keeps freed pages for a
second, time in which normalising a page allocates and frees its tens of MB again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

import pyarrow as pa

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter: blocks from this size up are mappings of their own
OWN_MAPPING_BYTES = 8 << 20  # a page's body (~16 MB) and its decompression; 1 MiB cost 5% more CPU


def release_freed_memory() -> None:
    """Return freed Arrow buffers and the C heap's free pages to the system (glibc; elsewhere only
    Arrow's)."""
    pa.default_memory_pool().release_unused()
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:  # glibc only
        trim(0)


def release_memory_as_freed() -> None:
    """From now on every block of 8 MiB or more is a mapping of its own, unmapped when freed, for a
    process that normalises pages (a heavy page's body is ~16 MB, and decompressing it takes as much
    again). glibc would otherwise raise that size to the largest block freed so far (up to 32 MiB), and
    take the next page's body from its heap, where freed it stays resident until trimmed."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is not None:  # glibc (and others that have it); elsewhere the C library's own policy
        mallopt(M_MMAP_THRESHOLD, OWN_MAPPING_BYTES)


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name is not None else None
