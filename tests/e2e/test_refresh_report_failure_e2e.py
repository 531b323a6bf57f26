"""The HTML report fails after the new warehouse was swapped in: the command still fails (exit 1, run log
``failed``), and its one line, the run log and `evidence status` all say that the warehouse is built and
current and only the report failed; `evidence report` then writes it."""

from __future__ import annotations

import pytest

from pipeline import steps
from pipeline.cli import EXIT_ERROR, EXIT_OK, main
from pipeline.config import load_config
from pipeline.errors import ReportError
from pipeline.runs.log import RunLog
from tests.e2e.e2e_support import query, write_config
from tests.servers.ctgov_server import CtgovRecordedServer

pytestmark = pytest.mark.e2e
CAUSE = "cannot write the report to /r: No space left on device; the previous report is kept"


def test_a_report_failure_after_the_swap_says_the_warehouse_is_current(
    tmp_path, ctgov_fixture_studies, capsys, monkeypatch
):
    real_report = steps.html_report

    def full_disk(settings, out=None):
        raise ReportError(CAUSE)

    monkeypatch.setattr(steps, "html_report", full_disk)
    with CtgovRecordedServer(ctgov_fixture_studies) as server:
        config = write_config(tmp_path, ctgov_url=server.base_url, page_size=100)
        assert main(["--config", str(config), "refresh", "--source", "ctgov"]) == EXIT_ERROR
    settings = load_config(config)
    warehouse = settings.warehouse.path
    err = capsys.readouterr().err
    said = (
        f"the HTML report failed after the warehouse was built: {CAUSE}. The warehouse {warehouse} is "
        "built and current (this run's data, the CSV and the forest plots included); only the report "
        "failed: `evidence report` writes it again"
    )
    assert f"error: {said}" in " ".join(err.split())
    (n_trials,) = query(warehouse, "SELECT count(*) FROM trials")[0]
    assert n_trials == len(ctgov_fixture_studies), "the new warehouse is in place"
    assert settings.export.csv_path.is_file()

    (record,) = RunLog(settings.storage.data_dir).records()
    assert record.status == "failed" and record.error == f"AfterBuildError: {said}"
    assert main(["--config", str(config), "status"]) == EXIT_OK
    assert f"error: AfterBuildError: {said}" in " ".join(capsys.readouterr().out.split())

    monkeypatch.setattr(steps, "html_report", real_report)
    assert main(["--config", str(config), "report"]) == EXIT_OK
    assert settings.report_dir.joinpath("index.html").is_file()
