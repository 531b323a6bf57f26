"""Handing memory a finished step freed back to the system, so the next step does not start above it.

A long-lived process (a refresh, a rebuild) normalises and classifies, then builds the warehouse. The
pages and tables it freed stay mapped to it: pyarrow's allocator keeps freed blocks for reuse, and so
does the C library's, while DuckDB's own allocator cannot reuse them. Both can be asked to let go.
"""

from __future__ import annotations

import ctypes
import ctypes.util

import pyarrow as pa


def release_freed_memory() -> None:
    """Return freed Arrow buffers and the C heap's free pages to the system (glibc; elsewhere only
    Arrow's)."""
    pa.default_memory_pool().release_unused()
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return
    trim = getattr(ctypes.CDLL(libc_name), "malloc_trim", None)
    if trim is not None:  # glibc only
        trim(0)
