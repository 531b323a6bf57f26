"""Peak memory of a process and everything it starts (Prefect's temporary server is a child process).

``ru_maxrss`` gives one process's own peak, or the largest single child's: neither is what the
machine has to hold at once. This samples the resident set of the whole tree from /proc (Linux)
every few milliseconds and keeps the largest sum. Short spikes between samples can be missed, so
it reads a little low; the main process's own ``ru_maxrss`` is exact and reported beside it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

PROC = Path("/proc")


def rss_mb(pid: int) -> float:
    """Resident set of one process in MB; 0 if it is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """The process and all its descendants, found through each thread's ``children`` file."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in (PROC / str(current) / "task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


class TreePeak:
    """Samples ``pid``'s process tree in a background thread until stopped; ``peak_mb`` is the
    largest total resident set seen, ``peak_processes`` how many processes were alive then."""

    def __init__(self, pid: int, interval_s: float = 0.02) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = descendants(self.pid)
            total = sum(rss_mb(pid) for pid in pids)
            if total > self.peak_mb:
                self.peak_mb, self.peak_processes = total, len(pids)
            time.sleep(self.interval_s)


class StepPeaks:
    """This process's resident set sampled in a thread, peak kept per labelled step."""

    def __init__(self, interval_s: float = 0.01) -> None:
        self.step = "start-up"
        self.peaks: dict[str, float] = {}
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        return self.peaks

    def _run(self) -> None:
        import os

        pid = os.getpid()
        while not self._stop.is_set():
            mb = rss_mb(pid)
            if mb > self.peaks.get(self.step, 0.0):
                self.peaks[self.step] = mb
            time.sleep(self.interval_s)
