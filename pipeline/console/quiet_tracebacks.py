"""Keep expected failures to one line in Prefect's console logs.

Prefect logs every failed task or flow run with its traceback. For a ``PipelineError`` (bad input, an
API that kept failing, a failed data check) the message already says everything the user can act on,
so its traceback is dropped; unexpected exceptions keep theirs.
"""

from __future__ import annotations

import logging
import os

from pipeline.errors import PipelineError

PREFECT_RUN_LOGGERS = ("prefect.task_runs", "prefect.flow_runs", "prefect.task_engine", "prefect.flow_engine")


class DropExpectedTracebacks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, PipelineError):
            record.exc_info = None
            record.exc_text = None
            record.msg = f"{record.getMessage().splitlines()[0]}"
            record.args = ()
        return True


def install() -> None:
    for name in PREFECT_RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropExpectedTracebacks) for f in logger.filters):
            logger.addFilter(DropExpectedTracebacks())


def quiet_prefect() -> None:
    """For CLI commands that run flows: no network here, so Prefect's telemetry would only log errors;
    our own loggers are routed through Prefect's; expected failures log one line. Flow-run
    processes started by ``evidence serve`` inherit the environment."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "pipeline")
    # pipeline loggers also log outside flow runs (the preflight probe, the demo's servers): not an error.
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    # Prefect gives its temporary local server 20 s to start; a busy 2-core machine can need more.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    install()
