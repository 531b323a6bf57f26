"""Normalise a run's pages on several processes and hand the results back in page order.

Pages are independent, so they can be normalised side by side; the caller still receives (and writes)
every result in page order, so the Parquet files, the run summary and the error reported (the first
failing page's) are those of normalising the pages one after another.

``workers`` counts the calling process: whenever the next result is not ready it normalises a page
no other process has been given, so 1 means no other process and N means N - 1 more. The
others are started with 'spawn' (a fresh interpreter): the caller may be running Prefect's threads,
which a fork would copy in whatever state they are in. They ignore Ctrl-C (the caller stops them) and
exit when the caller dies. A job and its result cross the process boundary pickled, so ``work`` must
be a module-level function and jobs plain data.

A fresh interpreter takes about a second to import the pipeline before its first page, time in which
only the caller works. ``head_start`` lets a command start the others early, while it is still
importing Prefect and starting its flow run with the second core idle: the first normalisation then
finds them ready. They run without pandas, which pyarrow would otherwise import at their first
conversion for nothing (pipeline/util/without_pandas.py): work done in them cannot use pandas.

That second is also why a run with little to normalise (a quiet night's few pages) stays in the calling
process: ``workers_for`` gives it one worker when its raw pages add up to less than
``OTHER_PROCESSES_FROM_BYTES``, or less than ``STARTED_PROCESSES_FROM_BYTES`` when a head start's
processes are waiting, already started; then no process is started and a head start is left for a
larger run (or stopped, without waiting for it, when the command ends).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import wait
from typing import Generic, TypeVar

from pipeline.errors import NormaliseError
from pipeline.util.free_memory import release_memory_as_freed
from pipeline.util.without_pandas import hide_pandas

J = TypeVar("J")
R = TypeVar("R")
QUEUED_PER_WORKER = 2  # pages waiting per other process: it never idles, and memory stays bounded
# Raw page bytes from which other processes normalise too (docs/BENCHMARKS.md, "Small runs"). Starting
# one: it imports the pipeline for ~0.9 s, in which the caller alone gets through ~50 MB of pages.
OTHER_PROCESSES_FROM_BYTES = 80_000_000
# Handing pages to a head start's processes, already started: only the results' trip back costs.
STARTED_PROCESSES_FROM_BYTES = 16_000_000

_started: ProcessPoolExecutor | None = None  # by ``head_start``, until a normalisation takes it over
_started_lock = threading.Lock()  # sources normalise side by side: only one takes it


def default_workers() -> int:
    """The CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def workers_for(workers: int, page_bytes: Sequence[int], started: bool | None = None) -> int:
    """The processes worth using for pages of these raw sizes: at most ``workers`` and one per page,
    and only this one when they are too little work to pay for other processes: for starting them, or
    with ``started`` (by default: whether a head start's are waiting) for using them."""
    if started is None:
        started = _started is not None  # another normalisation may take them first: it then starts its own
    if sum(page_bytes) < (STARTED_PROCESSES_FROM_BYTES if started else OTHER_PROCESSES_FROM_BYTES):
        return 1
    return max(1, min(workers, len(page_bytes)))


@dataclass
class _Slot(Generic[J, R]):
    job: J
    result: Future[R] | None = None  # None: not handed to any process yet


def in_page_order(work: Callable[[J], R], jobs: Iterable[J], workers: int) -> Iterator[R]:
    """``work(job)`` for every job, yielded in the jobs' order; ``workers`` processes at once (this one
    included). The first job that raises (in job order) raises here; jobs after it are abandoned."""
    if workers <= 1:
        yield from map(work, jobs)
        return
    with _pool(workers - 1) as pool:
        window = _Window(work, jobs, pool, workers - 1)
        while window:
            yield window.next_result()


class _Window(Generic[J, R]):
    """The pages between the last one handed back and the furthest one started. The other processes
    have at most ``QUEUED_PER_WORKER`` each; while the next result is not ready, this process works on
    the first page nobody has. Taking pages as they come balances the load however unequal the pages,
    and this process's writing besides."""

    def __init__(self, work: Callable[[J], R], jobs: Iterable[J], pool: ProcessPoolExecutor, others: int):
        self._work = work
        self._jobs = iter(jobs)
        self._pool = pool
        self._max_queued = QUEUED_PER_WORKER * others
        self._slots: deque[_Slot[J, R]] = deque()
        self._top_up()

    def __bool__(self) -> bool:
        return bool(self._slots)

    def next_result(self) -> R:
        """The next page's result (or its error), in page order."""
        while True:
            head = self._slots[0].result
            if head is not None and head.done():
                break
            free = next((slot for slot in self._slots if slot.result is None), None)
            if free is None:
                break  # every page in the window is taken: wait for the next one
            self._work_here(free)
        self._slots.popleft()
        self._top_up()
        assert head is not None
        return head.result()

    def _work_here(self, slot: _Slot[J, R]) -> None:
        slot.result = Future()
        try:
            slot.result.set_result(self._work(slot.job))
        except Exception as exc:  # raised when its turn comes, as in the sequential path
            slot.result.set_exception(exc)
        self._top_up()

    def _top_up(self) -> None:
        """Fill the window; hand the other processes its free pages but the first, which this process
        keeps for itself (it is needed sooner than the others, and a worker may still be starting)."""
        self._slots.extend(_Slot(job) for job in islice(self._jobs, self._max_queued + 3 - len(self._slots)))
        queued = sum(1 for slot in self._slots if slot.result is not None and not slot.result.done())
        free = [slot for slot in self._slots if slot.result is None][1:]
        for slot in free[: max(0, self._max_queued - queued)]:
            slot.result = self._pool.submit(self._work, slot.job)


@contextmanager
def head_start(workers: int, modules: Sequence[str] = ()) -> Iterator[None]:
    """Start the ``workers - 1`` other processes now, each importing ``modules``: what its pages will
    need (a process started with 'spawn' has imported only the caller's main script). The first
    normalisation of more than one page takes them over and stops them when it is done, so they hold
    no memory through the build. A normalisation too small for them (``workers_for``) leaves them to a
    later one; if none takes them, they are told to stop on exit, and not waited for."""
    global _started
    if workers <= 1:
        yield
        return
    pool = _new_pool(workers - 1)
    for _ in range(workers - 1):
        pool.submit(_import_all, tuple(modules))
    with _started_lock:
        _started = pool
    try:
        yield
    finally:
        with _started_lock:
            unused, _started = _started, None
        if unused is not None:
            unused.shutdown(wait=False, cancel_futures=True)  # idle: they exit on their own


def _import_all(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)


def _take_started() -> ProcessPoolExecutor | None:
    """The head start's processes, unless another normalisation took them (or there were none)."""
    global _started
    with _started_lock:
        pool, _started = _started, None
    return pool


def _new_pool(size: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        size, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_started
    )


@contextmanager
def _pool(size: int) -> Iterator[ProcessPoolExecutor]:
    pool = _take_started() or _new_pool(size)
    try:
        yield pool
    except BrokenProcessPool as exc:
        raise NormaliseError(
            f"a normalising process died ({exc}); the machine may be out of memory: lower "
            "resources.normalise_workers in the config (1: no other process)"
        ) from None
    finally:
        # Told to stop, they end on their own: the caller goes on writing while they tear their
        # interpreter down (0.2-0.4 s), and joins them by the time it exits.
        pool.shutdown(wait=False, cancel_futures=True)


def _worker_started() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    release_memory_as_freed()
    hide_pandas()  # pyarrow would import it for nothing (pipeline/util/without_pandas.py)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(parent_sentinel: int) -> None:
    """A worker whose caller was killed outright would otherwise wait for work forever."""
    wait([parent_sentinel])
    os._exit(1)
