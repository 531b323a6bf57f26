"""A failure after the new warehouse was swapped in: the data is published, only an output is missing.

The CSV, the forest plots, the HTML report and the run's summary are made from the warehouse once it is in
place. If one of them fails (a full disk, a folder gone since the preflight, a bug) the run still fails
(non-zero exit; the run log says ``failed``, so the watermarks stay where they were and the next build
compares its changes with the last run that delivered everything), but the message must not read as if
the data were lost: it says the warehouse is built and current, what did not get written, and how to
write it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import ExportError, OutcomeError, PipelineError, ReportError

# The step each error comes from: what failed, what is current besides the warehouse, what to run.
_STEPS: dict[type[PipelineError], tuple[str, str, str]] = {
    ReportError: (
        "the HTML report",
        " (this run's data, the CSV and the forest plots included); only the report failed",
        "`evidence report` writes it again",
    ),
    OutcomeError: (
        "the forest plots",
        " and so is the CSV; the plots and the HTML report were not written",
        "`evidence report` writes the report, drawing its own plots",
    ),
    ExportError: (
        "the CSV export",
        "; the CSV, the forest plots and the HTML report were not written",
        "`evidence export` and `evidence report` write them",
    ),
}


class AfterBuildError(PipelineError):
    """A step after the warehouse swap failed; the warehouse itself is built and current."""


def message(exc: BaseException, warehouse: Path) -> str:
    """One line: what failed and why, that the warehouse is current, what is missing and how to get it."""
    for kind, (step, current, retry) in _STEPS.items():
        if isinstance(exc, kind):
            return (
                f"{step} failed after the warehouse was built: {exc}. The warehouse {warehouse} is built "
                f"and current{current}: {retry}"
            )
    return (
        f"a step after the warehouse was built failed: {exc}. The warehouse {warehouse} is built and "
        "current; what that step writes is missing until the next refresh or rebuild"
    )


@contextmanager
def after_warehouse_swap(warehouse: Path) -> Iterator[None]:
    """Around the steps that follow the swap: an expected failure becomes one line saying the warehouse is
    current; any other keeps its traceback and gains the same words as a note."""
    try:
        yield
    except PipelineError as exc:
        raise AfterBuildError(message(exc, warehouse)) from exc
    except Exception as exc:
        exc.add_note(message(exc, warehouse))
        raise
