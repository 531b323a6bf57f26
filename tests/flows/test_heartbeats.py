"""Flow runs of a command at a terminal send no heartbeats by default, but a user's setting stands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prefect.settings import get_current_settings

from flows.heartbeats import no_heartbeats_by_default

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
