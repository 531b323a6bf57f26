"""Watching the process pools ``pipeline.parquet.parallel`` starts, and how it stops them."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import pytest

from pipeline.parquet import parallel


@dataclass
class PoolWatch:
    sizes: list[int] = field(default_factory=list)  # the processes of each pool started, in order
    waited: list[bool] = field(default_factory=list)  # per shutdown: whether it waited for the processes


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> PoolWatch:
    """Every pool started from here on, seen from the inside (no timing involved)."""
    watch = PoolWatch()
    new_pool = parallel._new_pool

    def watched(size: int) -> ProcessPoolExecutor:
        pool = new_pool(size)
        shutdown = pool.shutdown

        def watched_shutdown(wait: bool = True, *, cancel_futures: bool = False) -> None:
            watch.waited.append(wait)
            shutdown(wait=wait, cancel_futures=cancel_futures)

        pool.shutdown = watched_shutdown  # type: ignore[method-assign]
        watch.sizes.append(size)
        return pool

    monkeypatch.setattr(parallel, "_new_pool", watched)
    return watch


DEFAULT_FROM_BYTES = (parallel.OTHER_PROCESSES_FROM_BYTES, parallel.STARTED_PROCESSES_FROM_BYTES)


def other_processes_from(monkeypatch: pytest.MonkeyPatch, from_bytes: int | None) -> None:
    """Other processes for runs of at least ``from_bytes`` (0: any run), started or waiting; None: as
    shipped. Test runs are far smaller than a run worth other processes."""
    other, started = DEFAULT_FROM_BYTES if from_bytes is None else (from_bytes, from_bytes)
    monkeypatch.setattr(parallel, "OTHER_PROCESSES_FROM_BYTES", other)
    monkeypatch.setattr(parallel, "STARTED_PROCESSES_FROM_BYTES", started)


@pytest.fixture
def any_size_in_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    other_processes_from(monkeypatch, 0)
