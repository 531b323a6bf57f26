"""Peak memory of a process and everything it starts, with Prefect's server counted apart.

``ru_maxrss`` gives one process's own peak, or the largest single child's: neither is what the
machine has to hold at once. This samples the whole tree from /proc (Linux) every few milliseconds and
keeps the largest sums, per role: the Prefect server (Prefect's temporary server is a child process
running uvicorn; absent when ``PREFECT_API_URL`` names a running one) and the pipeline (the command
and the processes normalising pages beside it). Two measures:

- RSS (resident set): what ``top`` shows; pages shared between processes (the libraries' code, the
  interpreter) count once per process, so a sum over several processes reads high.
- PSS (proportional set, /proc/<pid>/smaps_rollup): each shared page divided among the processes
  sharing it; the sum is what the tree really holds.

Short spikes between samples can be missed, so both read a little low (PSS more: it is sampled ten
times less often, being costly to read); the main process's own ``ru_maxrss`` is exact and reported
beside them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
SERVER_MARKERS = ("uvicorn", "prefect.server", "prefect server")


def _kb_line(path: Path, prefix: str) -> float:
    """The value (kB) of the first line starting with ``prefix`` as MB; 0 if the process is gone."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith(prefix):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0.0


def rss_mb(pid: int) -> float:
    """Resident set of one process in MB; 0 if it is gone."""
    return _kb_line(PROC / str(pid) / "status", "VmRSS:")


def pss_mb(pid: int) -> float:
    """Proportional set of one process in MB; 0 if it is gone."""
    return _kb_line(PROC / str(pid) / "smaps_rollup", "Pss:")


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


def is_server(pid: int) -> bool:
    try:
        command = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    return any(marker in command for marker in SERVER_MARKERS)


@dataclass(frozen=True)
class Sample:
    """One look at the tree: time (``time.time()``), MB per role, and pipeline processes."""

    at: float
    pipeline: float
    server: float
    n_pipeline: int

    @property
    def total(self) -> float:
        return self.pipeline + self.server


@dataclass
class TreePeak:
    """Samples ``pid``'s process tree in a background thread until stopped: RSS every ``interval_s``,
    PSS every ``pss_every`` samples (reading it makes the kernel walk the page tables: ~3 ms per
    200 MB process, which would slow what is measured). ``peak("pipeline_pss", start, end)`` is the
    largest pipeline PSS sampled between two times; measures: {pipeline,server,total}_{rss,pss}."""

    pid: int
    interval_s: float = 0.02
    pss_every: int = 10
    rss: list[Sample] = field(default_factory=list)
    pss: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server: dict[int, bool] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, measure: str, start: float = 0.0, end: float = float("inf")) -> float:
        role, kind = measure.rsplit("_", 1)
        samples = self.rss if kind == "rss" else self.pss
        return max((getattr(s, role) for s in samples if start <= s.at <= end), default=0.0)

    def processes_at_peak(self) -> int:
        return max(self.rss, key=lambda s: s.pipeline).n_pipeline if self.rss else 0

    def _run(self) -> None:
        count = 0
        while not self._stop.is_set():
            pids = descendants(self.pid)
            for pid in pids:
                if pid not in self._server:
                    self._server[pid] = is_server(pid)
            self.rss.append(self._sample(pids, rss_mb))
            if count % self.pss_every == 0:
                self.pss.append(self._sample(pids, pss_mb))
            count += 1
            time.sleep(self.interval_s)

    def _sample(self, pids: list[int], read: Callable[[int], float]) -> Sample:
        sums = {True: 0.0, False: 0.0}
        for pid in pids:
            sums[self._server[pid]] += read(pid)
        n_pipeline = sum(1 for pid in pids if not self._server[pid])
        return Sample(time.time(), sums[False], sums[True], n_pipeline)


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
