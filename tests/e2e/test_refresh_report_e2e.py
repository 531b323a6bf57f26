"""A refresh and a rebuild leave the HTML report, and link it from the CLI summary and the run's Prefect
artifact."""

from __future__ import annotations

import pytest

from flows import tasks
from pipeline.cli import EXIT_OK, main
from pipeline.config import load_config
from tests.e2e.e2e_support import query, write_config
from tests.servers.ctgov_server import CtgovRecordedServer

pytestmark = pytest.mark.e2e


def test_refresh_and_rebuild_write_and_link_the_report(tmp_path, ctgov_fixture_studies, capsys, monkeypatch):
    artifacts: list[str] = []
    monkeypatch.setattr(tasks, "create_markdown_artifact", lambda markdown, **_: artifacts.append(markdown))
    studies = ctgov_fixture_studies  # the shared fixtures, else the packaged records
    with CtgovRecordedServer(studies) as server:
        config = write_config(tmp_path, ctgov_url=server.base_url, page_size=100)
        assert main(["--config", str(config), "refresh", "--source", "ctgov"]) == EXIT_OK
    settings = load_config(config)
    index = settings.report_dir / "index.html"
    assert index == tmp_path / "data" / "report" / "index.html"
    uri = index.resolve().as_uri()
    assert f"Report: {uri}" in capsys.readouterr().out
    page = index.read_text(encoding="utf-8")
    (n_classified,) = query(settings.warehouse.path, "SELECT count(DISTINCT nct_id) FROM evidence_trials")[0]
    assert f'data-metric="n_trials_classified">{n_classified}<' in page
    (markdown,) = artifacts
    assert f"Report: [{uri}]({uri})" in markdown, "the run's Prefect artifact links the report"

    index.unlink()
    assert main(["--config", str(config), "rebuild"]) == EXIT_OK
    assert index.is_file() and f"Report: {uri}" in capsys.readouterr().out
