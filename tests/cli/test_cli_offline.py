"""`evidence refresh` on a machine that cannot reach the APIs: one short line, before Prefect starts.

Each source is pointed at a host that cannot be reached without any network: a name under the reserved
``.invalid`` TLD and a port just closed on 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

from pipeline.cli import EXIT_ERROR
from tests.conftest import REPO_ROOT

SANITY_SECONDS = 60  # generous: the goal (under 15 s, about 1 s measured) is a benchmark, not a test


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def offline_config(tmp_path: Path, port: int) -> Path:
    config = yaml.safe_load((REPO_ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["storage"] = {"data_dir": str(tmp_path / "data")}
    config["sources"]["ctgov"]["base_url"] = "https://clinicaltrials.invalid/api/v2"
    config["sources"]["pubmed"]["base_url"] = f"http://127.0.0.1:{port}/entrez/eutils"
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def run_cli(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, check=False, env=env
    )
    return proc, time.monotonic() - started


def test_offline_refresh_fails_in_one_line_naming_both_hosts(tmp_path: Path) -> None:
    port = closed_port()
    proc, seconds = run_cli("--config", str(offline_config(tmp_path, port)), "refresh")
    assert proc.returncode == EXIT_ERROR
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("error: cannot reach ")
    assert "clinicaltrials.invalid: name not found" in line
    assert f"127.0.0.1:{port}: connection refused" in line
    assert "evidence demo" in line and "Traceback" not in line
    assert not (tmp_path / "data").exists()  # stopped before any run, log or lock was made
    assert seconds < SANITY_SECONDS


def test_only_the_selected_source_is_checked(tmp_path: Path) -> None:
    proc, _ = run_cli(
        "--config", str(offline_config(tmp_path, closed_port())), "refresh", "--source", "ctgov"
    )
    assert proc.returncode == EXIT_ERROR
    assert "clinicaltrials.invalid" in proc.stderr and "127.0.0.1" not in proc.stderr
