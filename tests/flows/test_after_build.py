"""What a failure after the warehouse swap says, per step: the warehouse is current, what is missing, and
the command that writes it. Expected errors become one line; anything else keeps its traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ExportError, FetchError, OutcomeError, ReportError
from pipeline.runs.after_build import AfterBuildError, after_warehouse_swap

WAREHOUSE = Path("/w/evidence.duckdb")


@pytest.mark.parametrize(
    ("error", "opens", "ends"),
    [
        (ReportError("disk full"), "the HTML report failed", "only the report failed: `evidence report`"),
        (OutcomeError("disk full"), "the forest plots failed", "drawing its own plots"),
        (ExportError("disk full"), "the CSV export failed", "`evidence export` and `evidence report`"),
        (FetchError("odd"), "a step after the warehouse was built failed", "next refresh or rebuild"),
    ],
)
def test_each_step_says_the_warehouse_is_current_and_what_to_run(error, opens, ends) -> None:
    with pytest.raises(AfterBuildError) as caught, after_warehouse_swap(WAREHOUSE):
        raise error
    text = str(caught.value)
    assert text.startswith(f"{opens}") and ends in text
    assert f"The warehouse {WAREHOUSE} is built and current" in text and "\n" not in text
    assert caught.value.__cause__ is error


def test_an_unexpected_error_keeps_its_type_and_gains_the_note() -> None:
    with pytest.raises(KeyError) as caught, after_warehouse_swap(WAREHOUSE):
        raise KeyError("bug")
    (note,) = caught.value.__notes__
    assert f"The warehouse {WAREHOUSE} is built and current" in note
