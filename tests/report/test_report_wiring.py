"""The report setting, and the links to the report in the run's Prefect artifact and summary."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import steps
from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.runs.report import to_markdown

CLASSES = {"cgrp": {"label": "CGRP", "terms": ["erenumab"]}}


def _config(tmp_path: Path, **extra) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"treatment_classes": CLASSES, **extra}), encoding="utf-8")
    return path


def test_report_folder_defaults_under_the_data_folder(tmp_path):
    settings = load_config(_config(tmp_path, storage={"data_dir": "store"}))
    assert settings.report_dir == tmp_path / "store" / "report"


def test_report_dir_is_resolved_against_the_config_folder(tmp_path):
    settings = load_config(_config(tmp_path, report={"dir": "site/report"}))
    assert settings.report_dir == tmp_path / "site" / "report"


@pytest.mark.parametrize(
    ("report_dir", "holds"),
    [("data", "storage.data_dir"), ("out", "export.csv_path"), (".", "storage.data_dir")],
)
def test_report_dir_must_not_hold_data_or_outputs(tmp_path, report_dir, holds):
    config = _config(tmp_path, report={"dir": report_dir}, export={"csv_path": "out/evidence.csv"})
    with pytest.raises(ConfigError, match=f"report.dir: .* would hold {holds}"):
        load_config(config)


def test_unknown_report_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"report\.path: unknown key"):
        load_config(_config(tmp_path, report={"path": "x"}))


def test_run_summary_links_the_report_once_written(built_report):
    settings = built_report.settings
    summary = steps.report(settings, "20260201T030000Z-bbbb")
    assert summary["html_report"] == (settings.report_dir / "index.html").resolve().as_uri()
    markdown = to_markdown(summary)
    uri = summary["html_report"]
    assert f"Report: [{uri}]({uri})" in markdown


def test_run_summary_without_a_report_has_no_link(built_report, tmp_path):
    settings = built_report.settings.model_copy(
        update={"report": built_report.settings.report.model_copy(update={"dir": tmp_path / "none"})}
    )
    summary = steps.report(settings, "20260201T030000Z-bbbb")
    assert summary["html_report"] is None
    assert "Report:" not in to_markdown(summary)
