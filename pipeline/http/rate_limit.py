"""Client-side spacing of requests: public APIs throttle (or ban) clients that burst."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """At most one request start per ``1 / requests_per_second`` seconds, across threads.

    Each caller reserves the next free slot under a lock and then sleeps outside it, so concurrent
    callers queue up in order instead of all waking at once.
    """

    def __init__(
        self,
        requests_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive")
        self.min_interval = 1.0 / requests_per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot: float | None = None

    def wait(self) -> float:
        """Block until this caller may send; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = now if self._next_slot is None else max(now, self._next_slot)
            self._next_slot = slot + self.min_interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay
