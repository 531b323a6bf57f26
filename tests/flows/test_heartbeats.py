"""Flow runs of a command at a terminal send no heartbeats by default, but a user's setting stands."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from prefect.settings import get_current_settings

from flows.heartbeats import no_heartbeats_by_default
from pipeline import cli
from pipeline.config import load_config

REPO_ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "from prefect.settings import get_current_settings\n"
    "from flows.heartbeats import no_heartbeats_by_default\n"
    "with no_heartbeats_by_default():\n"
    "    print(get_current_settings().flows.heartbeat_frequency)\n"
)


def test_heartbeats_are_off_inside_and_restored_after() -> None:
    before = get_current_settings().flows.heartbeat_frequency
    with no_heartbeats_by_default():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency == before


def test_a_heartbeat_frequency_the_user_set_is_kept(tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "60", "PREFECT_HOME": str(tmp_path)}
    shown = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "60"


def test_the_cli_runs_its_flows_without_heartbeats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """refresh, rebuild and demo enter ``_flow_command`` around their flow."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    config = tmp_path / "config.yaml"
    values = yaml.safe_load((REPO_ROOT / "config.yaml").read_text(encoding="utf-8"))
    values["storage"] = {**values.get("storage", {}), "data_dir": str(tmp_path / "data")}
    values["resources"] = {**values.get("resources", {}), "normalise_workers": 1}  # no process pool
    config.write_text(yaml.safe_dump(values), encoding="utf-8")
    settings = load_config(str(config))
    with cli._flow_command(argparse.Namespace(verbose=False), settings, tmp_path / "run.log"):
        assert get_current_settings().flows.heartbeat_frequency is None
