"""Pausing Python's cyclic garbage collector around bulk creation of acyclic objects.

Parsing a page of JSON or fetching tens of thousands of warehouse rows creates millions of tuples,
strings and dicts that contain no reference cycles. Each burst of allocations can trigger a full
(generation 2) collection, which scans every object the process holds, not just the new ones: in a
process that also holds a large heap (a Prefect worker, the benchmark's in-process test server) that
one pass costs seconds and frees nothing. Reference counting still frees everything as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block; restore its previous state afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
