"""A quiet terminal: Prefect's and the HTTP layer's INFO lines go to the command's log file; the terminal
gets warnings, one line each, unless --verbose."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from prefect.logging.handlers import PrefectConsoleHandler
from rich.console import Console

from pipeline.console.command_log import MAX_SIMILAR, command_logging
from pipeline.demo.ctgov_api import load_studies
from pipeline.demo.site import RECORDS
from pipeline.raw.zone import Origin, RawZone
from pipeline.sources.ctgov.normalise.run import normalise_run

TASK_RUN = {"task_run_name": "fetch-ctgov-3eb"}


@contextmanager
def logged_outside_a_flow_run() -> Iterator[None]:
    """Once prefect is imported, loggers with its API handler warn when used outside a run (as here)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Logger '.*' attempted to send logs to the API")
        yield


def terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=60, force_terminal=False), buffer


def test_info_goes_to_the_file_and_warnings_to_the_terminal(tmp_path: Path) -> None:
    console, shown = terminal()
    log = tmp_path / "logs" / "run.log"
    with logged_outside_a_flow_run(), command_logging(log, verbose=False, console=console):
        logging.getLogger("prefect.task_runs").info("Fetching studies", extra=TASK_RUN)
        logging.getLogger("pipeline.http.retry").info("a request line")
        logging.getLogger("pipeline.http.retry").warning(
            "GET %s: HTTP 503 (attempt 1/6); retrying in 1.0 s\nsecond line",
            "https://example.org/" + "x" * 80,
        )
    lines = shown.getvalue().splitlines()
    assert len(lines) == 1  # one line however long: no wrapping at the terminal's width
    assert lines[0].startswith("warning: GET https://example.org/xxx") and lines[0].endswith(
        "retrying in 1.0 s"
    )
    written = log.read_text(encoding="utf-8")
    assert "INFO    | prefect.task_runs [fetch-ctgov-3eb] - Fetching studies" in written
    assert "pipeline.http.retry - a request line" in written and "second line" in written


def test_prefect_errors_stay_in_the_file_the_cli_reports_the_failure(tmp_path: Path) -> None:
    console, shown = terminal()
    with logged_outside_a_flow_run(), command_logging(tmp_path / "run.log", verbose=False, console=console):
        logging.getLogger("prefect.flow_runs").error("Finished in state Failed('...')")
        logging.getLogger("prefect.task_runs").warning("Marked interrupted run(s) failed: r1")
        logging.getLogger("pipeline.steps").error("something of ours")
    assert shown.getvalue().splitlines() == [
        "warning: Marked interrupted run(s) failed: r1",
        "error: something of ours",
    ]
    assert "Finished in state Failed" in (tmp_path / "run.log").read_text(encoding="utf-8")


def test_a_storm_of_one_kind_of_warning_is_capped_with_a_pointer_to_the_file(tmp_path: Path) -> None:
    console, shown = terminal()
    log = tmp_path / "run.log"
    with command_logging(log, verbose=False, console=console):
        for attempt in range(1, 11):
            logging.getLogger("pipeline.http.retry").warning("GET /x: HTTP 429 (attempt %d/10)", attempt)
        logging.getLogger("pipeline.steps").warning("raw run r0 has no manifest")
    lines = shown.getvalue().splitlines()
    assert lines[:MAX_SIMILAR] == [
        f"warning: GET /x: HTTP 429 (attempt {n}/10)" for n in range(1, MAX_SIMILAR + 1)
    ]
    assert lines[MAX_SIMILAR:] == [f"warning: more like this in {log}", "warning: raw run r0 has no manifest"]
    assert log.read_text(encoding="utf-8").count("HTTP 429") == 10


def test_verbose_shows_info_on_the_terminal_too(tmp_path: Path) -> None:
    console, shown = terminal()
    with logged_outside_a_flow_run(), command_logging(tmp_path / "run.log", verbose=True, console=console):
        logging.getLogger("prefect.task_runs").info("Fetching studies", extra=TASK_RUN)
    assert "INFO    | prefect.task_runs [fetch-ctgov-3eb] - Fetching studies" in shown.getvalue()


def test_prefects_console_handler_is_set_aside_for_the_command_and_put_back() -> None:
    root = logging.getLogger()
    prefect_console = PrefectConsoleHandler()
    root.addHandler(prefect_console)
    before = list(root.handlers)
    try:
        console, _ = terminal()
        with command_logging(None, verbose=False, console=console):
            assert prefect_console not in root.handlers
            assert root.level == logging.INFO
        assert root.handlers == before
    finally:
        root.removeHandler(prefect_console)


def test_an_unknown_enum_value_is_a_one_line_warning(tmp_path: Path) -> None:
    """Normalising keeps a new registry code as received; the terminal hears of it (not only the file)."""
    studies = load_studies([RECORDS / "ctgov"])[:3]
    studies[0]["protocolSection"]["statusModule"]["overallStatus"] = "PAUSED_INDEFINITELY"
    run = RawZone(tmp_path / "raw").start_run("ctgov", "20260102T030405Z-a1b2")
    run.write_page(
        "page-000001.json",
        orjson.dumps({"studies": studies}),
        Origin("http://127.0.0.1/api/v2/studies", {}, 200, "2026-01-02T03:04:06.000Z"),
        n_records=len(studies),
    )
    run.finish({"total_count": len(studies), "n_records": len(studies)})
    console, shown = terminal()
    with logged_outside_a_flow_run(), command_logging(None, verbose=False, console=console):
        normalise_run(run, tmp_path / "parquet")
    assert shown.getvalue().splitlines() == [
        "warning: ClinicalTrials.gov run 20260102T030405Z-a1b2: values outside the known enums, kept as "
        "received: overallStatus=PAUSED_INDEFINITELY (1)"
    ]
