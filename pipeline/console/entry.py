"""The ``evidence`` script: run the command (``pipeline.cli``), then end the process without tearing the
interpreter down.

Once a rebuild was done, Python's teardown (collecting and freeing every module's objects, one
collection after another) took 0.45-0.55 s more, with nothing left to do that anyone sees. Everything
at exit that does have an effect still runs first: Prefect's threads send the last logs and events to
its server when threads are shut down, and then every ``atexit`` handler runs (logging closes the log
file, DuckDB closes its databases, multiprocessing joins its children), since the handler ending the
process is registered before anything else is imported, so it runs last. An uncaught exception, or
argparse exiting on ``--help`` or a usage error, leaves the usual way.

This module imports nothing of the pipeline: the processes that normalise pages (started with 'spawn')
import the script again, and need only what their pages do (``pipeline.parquet.parallel``).
"""

from __future__ import annotations

import atexit
import os
import sys

_status: int | None = None  # the command's exit status, once it returned one


def run() -> None:
    global _status
    atexit.register(_end_process)  # first registered, so it runs after every other handler
    from pipeline.cli import main

    _status = main()
    sys.exit(_status)


def _end_process() -> None:
    if _status is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_status)
