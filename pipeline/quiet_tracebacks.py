"""Keep expected failures to one line in Prefect's console logs.

Prefect logs every failed task or flow run with its traceback. For a ``PipelineError`` (bad input, an
API that kept failing, a failed data check) the message already says everything the user can act on,
so its traceback is dropped; unexpected exceptions keep theirs.
"""

from __future__ import annotations

import logging

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
