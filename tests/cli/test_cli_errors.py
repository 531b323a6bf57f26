"""The CLI turns user errors into one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import EXIT_ERROR, EXIT_USAGE, build_parser, main

MINIMAL_CONFIG = """
storage: {data_dir: data}
treatment_classes:
  ketamine: {label: Ketamine, terms: [ketamine]}
"""


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_config_key_names_the_key(tmp_path, capsys):
    cfg = write_config(tmp_path, MINIMAL_CONFIG + "sources:\n  ctgov:\n    page_sise: 10\n")
    assert main(["--config", str(cfg), "export"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "sources.ctgov.page_sise: unknown key" in err
    assert "Traceback" not in err


def test_bad_config_value_names_the_key(tmp_path, capsys):
    cfg = write_config(tmp_path, MINIMAL_CONFIG + "sources:\n  ctgov:\n    page_size: 5000\n")
    assert main(["--config", str(cfg), "export"]) == EXIT_ERROR
    assert "sources.ctgov.page_size" in capsys.readouterr().err


def test_unknown_parent_class_is_rejected(tmp_path, capsys):
    cfg = write_config(
        tmp_path,
        "treatment_classes:\n  gepant: {label: Gepants, terms: [rimegepant], parent: cgrp}\n",
    )
    assert main(["--config", str(cfg), "export"]) == EXIT_ERROR
    assert "treatment_classes.gepant.parent: unknown class 'cgrp'" in capsys.readouterr().err


def test_missing_config_file(tmp_path, capsys):
    assert main(["--config", str(tmp_path / "nope.yaml"), "export"]) == EXIT_ERROR
    assert "config file not found" in capsys.readouterr().err


def test_config_from_environment_variable(tmp_path, monkeypatch, capsys):
    cfg = write_config(tmp_path, "treatment_classes: {}\n")
    monkeypatch.setenv("EVIDENCE_CONFIG", str(cfg))
    assert main(["export"]) == EXIT_ERROR
    assert str(cfg) in capsys.readouterr().err


def test_bad_cli_argument_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["refresh", "--source", "embase"])
    assert exc.value.code == EXIT_USAGE
    assert "invalid choice: 'embase'" in capsys.readouterr().err


def test_export_without_warehouse_is_one_line(tmp_path):
    cfg = write_config(tmp_path, MINIMAL_CONFIG)
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--config", str(cfg), "export"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == EXIT_ERROR
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert proc.stderr.startswith("error:")
