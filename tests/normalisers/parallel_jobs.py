"""Jobs for the parallel page tests: module-level, so another process can unpickle them."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

from pipeline.errors import NormaliseError


@dataclass(frozen=True)
class Job:
    index: int
    seconds: float = 0.0  # how long the job takes
    fails: bool = False
    exit_elsewhere_than: int | None = None  # a process id: the job kills any other process running it


def run(job: Job) -> tuple[int, int]:
    """(the job's index, the id of the process that ran it)."""
    if job.exit_elsewhere_than is not None and os.getpid() != job.exit_elsewhere_than:
        os._exit(3)
    time.sleep(job.seconds)
    if job.fails:
        raise NormaliseError(f"page {job.index} is malformed")
    return job.index, os.getpid()


HEAD_START_MODULE = "tabnanny"  # a standard module nothing here imports: only a head start's process has it


def imported_here(job: Job) -> tuple[int, bool]:
    """(the id of the process that ran the job, whether that process had imported HEAD_START_MODULE)."""
    time.sleep(job.seconds)
    return os.getpid(), HEAD_START_MODULE in sys.modules
