"""in_page_order: pages normalised by several processes come back in page order, errors included; a head
start's processes are the ones the first normalisation uses; workers_for keeps small runs here."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from contextlib import closing

import pytest

from pipeline.errors import NormaliseError
from pipeline.parquet.parallel import (
    OTHER_PROCESSES_FROM_BYTES,
    STARTED_PROCESSES_FROM_BYTES,
    head_start,
    in_page_order,
    workers_for,
)
from tests.normalisers.conftest import PoolWatch
from tests.normalisers.parallel_jobs import HEAD_START_MODULE, Job, imported_here, run


def test_one_worker_runs_every_page_in_this_process() -> None:
    results = list(in_page_order(run, [Job(i) for i in range(5)], workers=1))
    assert results == [(i, os.getpid()) for i in range(5)]


def test_results_come_back_in_page_order_from_several_processes() -> None:
    # Early pages are slow, later ones fast: they finish out of order but are handed back in order.
    jobs = [Job(i, seconds=0.3 if i < 3 else 0.0) for i in range(12)]
    results = list(in_page_order(run, jobs, workers=3))
    assert [index for index, _ in results] == list(range(12))
    processes = {pid for _, pid in results}
    assert os.getpid() in processes  # this process takes pages too ...
    assert len(processes) >= 2  # ... and the first pages handed out ran elsewhere


def test_the_first_failing_page_in_page_order_is_the_error() -> None:
    # Page 2 (slow) fails after page 5 (fast) has failed: page 2's error is the one raised, and the
    # pages before it were handed back first.
    jobs = [Job(i, seconds=0.5 if i == 2 else 0.0, fails=i in (2, 5)) for i in range(8)]
    seen = []
    with (
        pytest.raises(NormaliseError, match="page 2 is malformed"),
        closing(in_page_order(run, jobs, workers=2)) as pages,
    ):
        for index, _ in pages:
            seen.append(index)
    assert seen == [0, 1]


def test_a_worker_that_dies_is_a_clear_error() -> None:
    jobs = [Job(i, seconds=0.2, exit_elsewhere_than=os.getpid()) for i in range(6)]
    with pytest.raises(NormaliseError, match=r"normalising process died.*normalise_workers"):
        list(in_page_order(run, jobs, workers=2))


def test_a_head_start_hands_its_processes_to_the_first_normalisation() -> None:
    with head_start(2, (HEAD_START_MODULE,)):
        results = list(in_page_order(imported_here, [Job(i, seconds=0.1) for i in range(8)], workers=2))
        assert _end_on_their_own(multiprocessing.active_children())  # taken over, and stopped when done
    elsewhere = [imported for pid, imported in results if pid != os.getpid()]
    assert elsewhere  # pages ran in the process started ahead ...
    assert all(elsewhere)  # ... which had imported what it was told to
    assert HEAD_START_MODULE not in sys.modules  # never in this process


def test_a_head_start_nobody_used_is_stopped_on_exit_without_waiting_for_it(pools: PoolWatch) -> None:
    with head_start(2):
        children = multiprocessing.active_children()
        assert len(children) == 1
        assert list(in_page_order(imported_here, [Job(0)], workers=1)) == [(os.getpid(), False)]
        assert pools.waited == []  # a normalisation on one process leaves it alone
    assert pools.sizes == [1] and pools.waited == [False]  # the command goes on while it exits ...
    assert _end_on_their_own(children)  # ... on its own


def test_pages_too_small_to_pay_for_another_process_are_normalised_here() -> None:
    half = OTHER_PROCESSES_FROM_BYTES // 2
    assert workers_for(2, [half, half - 1]) == 1  # below the threshold
    assert workers_for(2, [half, half, 1]) == 2
    assert workers_for(4, [half, half]) == 2  # never more processes than pages
    assert workers_for(4, [OTHER_PROCESSES_FROM_BYTES]) == 1
    assert workers_for(1, [OTHER_PROCESSES_FROM_BYTES] * 3) == 1
    assert workers_for(4, []) == 1


def test_processes_already_started_are_worth_using_for_less() -> None:
    assert STARTED_PROCESSES_FROM_BYTES < OTHER_PROCESSES_FROM_BYTES
    pages = [STARTED_PROCESSES_FROM_BYTES // 2] * 2
    assert workers_for(2, pages, started=True) == 2
    assert workers_for(2, pages, started=False) == 1
    assert workers_for(2, pages) == 1  # no head start waiting
    with head_start(2):
        assert workers_for(2, pages) == 2  # its processes are waiting
        children = multiprocessing.active_children()
        assert list(in_page_order(run, [Job(0), Job(1)], workers=workers_for(2, pages)))
        assert workers_for(2, pages) == 1  # taken: a second run would have to start its own
    assert _end_on_their_own(children)


def test_a_head_start_for_one_process_starts_none() -> None:
    with head_start(1, (HEAD_START_MODULE,)):
        assert not multiprocessing.active_children()


def test_the_processes_of_a_normalisation_end_once_it_is_done() -> None:
    before = set(multiprocessing.active_children())
    assert list(in_page_order(run, [Job(i) for i in range(4)], workers=2))
    started = [p for p in multiprocessing.active_children() if p not in before]
    assert _end_on_their_own(started)  # not waited for: the caller goes on while they exit


def _end_on_their_own(processes: list[multiprocessing.process.BaseProcess]) -> bool:
    """Whether they all exit within 30 s. The pool's own thread joins them too: a join that loses the
    race to reap one returns at once with no exit code yet, so keep looking until the deadline."""
    deadline = time.monotonic() + 30
    for process in processes:
        while process.exitcode is None and time.monotonic() < deadline:
            process.join(timeout=0.1)
            time.sleep(0.01)
    return all(process.exitcode is not None for process in processes)
