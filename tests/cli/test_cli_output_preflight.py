"""`evidence refresh` and `rebuild` check, before fetching or building anything (and before Prefect
starts), that they can write the HTML report and the forest plots, which come last: a folder that cannot
be made or written, or that holds someone else's files, fails in one line naming the setting."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml

from pipeline.cli import EXIT_ERROR, main
from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.runs.output_preflight import check_output_folders
from pipeline.util.output_folders import REPORT_MARKER, why_unwritable

CLASSES = {"cgrp": {"label": "CGRP", "terms": ["erenumab"]}}
# Hosts that cannot answer: the folder check must fail before any of them is tried.
SOURCES = {
    "ctgov": {"base_url": "https://clinicaltrials.invalid/api/v2"},
    "pubmed": {"base_url": "https://eutils.invalid/entrez/eutils"},
}


def config(tmp_path: Path, **extra) -> Path:
    path = tmp_path / "config.yaml"
    data = {"treatment_classes": CLASSES, "storage": {"data_dir": "data"}, "sources": SOURCES, **extra}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and captured.out == "", captured.err
    assert lines[0].startswith("error: ") and "Traceback" not in lines[0]
    return lines[0]


@pytest.mark.parametrize("command", ["refresh", "rebuild"])
def test_a_report_folder_under_a_file_fails_before_anything_runs(tmp_path, capsys, command) -> None:
    (tmp_path / "site").write_text("not a folder", encoding="utf-8")
    path = config(tmp_path, report={"dir": "site/report"})
    assert main(["--config", str(path), command]) == EXIT_ERROR
    line = one_error_line(capsys)
    report = tmp_path / "site" / "report"
    assert line.startswith(f"error: report.dir: cannot write the HTML report to {report}: ")
    assert f"{tmp_path / 'site'} is a file, so no folder can be made under it" in line
    assert not (tmp_path / "data").exists(), "nothing fetched, no run record, no lock"


def test_a_plots_folder_that_is_a_file_names_the_data_folder(tmp_path, capsys) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "plots").write_text("not a folder", encoding="utf-8")
    assert main(["--config", str(config(tmp_path)), "refresh"]) == EXIT_ERROR
    line = one_error_line(capsys)
    assert line.startswith("error: storage.data_dir: cannot write the forest plots to ")
    assert line.endswith("it is a file; choose another folder")


def test_a_report_folder_holding_other_files_is_refused_before_the_run(tmp_path) -> None:
    report = tmp_path / "mine"
    report.mkdir()
    (report / "notes.txt").write_text("mine", encoding="utf-8")
    settings = load_config(config(tmp_path, report={"dir": "mine"}))
    with pytest.raises(ConfigError, match=r"^report\.dir: .* holds files this pipeline did not write"):
        check_output_folders(settings)
    (report / REPORT_MARKER).write_text("", encoding="utf-8")  # an earlier report: replaced, as always
    check_output_folders(settings)


def test_a_folder_where_nothing_can_be_created_is_named(tmp_path, monkeypatch) -> None:
    """As a read-only disk or missing permissions answer (root ignores modes, so the answer is simulated)."""

    def refused(**_):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    assert why_unwritable(tmp_path / "report") == f"nothing can be created in {tmp_path}: Permission denied"
    settings = load_config(config(tmp_path, report={"dir": "report"}))
    with pytest.raises(ConfigError, match=r"^report\.dir: cannot write the HTML report .*Permission denied"):
        check_output_folders(settings)


def test_writable_folders_pass_and_the_check_leaves_nothing_behind(tmp_path) -> None:
    check_output_folders(load_config(config(tmp_path, report={"dir": "out/site/report"})))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"], "no folder made, no probe left"
