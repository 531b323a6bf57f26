"""Client-side spacing of requests, measured on a fake clock."""

from __future__ import annotations

import itertools
import threading

import pytest

from pipeline.http.rate_limit import RateLimiter
from tests.servers.fake_clock import FakeClock


def test_first_request_goes_at_once_then_requests_are_spaced() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(4):
        limiter.wait()
        starts.append(clock())
    assert clock.sleeps == [0.5, 0.5, 0.5]
    assert [b - a for a, b in itertools.pairwise(starts)] == [0.5, 0.5, 0.5]


def test_time_already_passed_counts_towards_the_interval() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, clock=clock, sleep=clock.sleep)
    limiter.wait()
    clock.now += 0.75  # the caller spent 0.75 s parsing the last response
    assert limiter.wait() == pytest.approx(0.25)
    clock.now += 5.0
    assert limiter.wait() == 0.0


def test_threads_get_distinct_slots() -> None:
    clock = FakeClock()
    waits: list[float] = []
    lock = threading.Lock()
    limiter = RateLimiter(4.0, clock=clock, sleep=lambda s: None)  # the clock stands still

    def worker() -> None:
        waited = limiter.wait()
        with lock:
            waits.append(waited)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == [pytest.approx(i * 0.25) for i in range(8)]


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)
