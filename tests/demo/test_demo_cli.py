"""`evidence demo` as a newcomer runs it: a real process, its own Prefect, no network, no fixtures.

One run (about 15 s: most of it Prefect's temporary server) checked from several sides.
"""

from __future__ import annotations

import csv
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.e2e.e2e_support import query

EVIDENCE = [sys.executable, "-m", "pipeline.cli"]
PREFECT_CHATTER = ("Beginning flow run", "Finished in state", "temporary server", "Task run", "INFO")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    cwd = tmp_path_factory.mktemp("newcomer")  # no config.yaml here: the shipped one is used
    env = {k: v for k, v in os.environ.items() if k not in {"EVIDENCE_CONFIG", "PREFECT_API_URL"}}
    env["EVIDENCE_FIXTURES"] = str(cwd / "no-fixtures")  # the demo must not need the shared fixtures
    proc = subprocess.run([*EVIDENCE, "demo"], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return {
        "cwd": cwd,
        "env": env,
        "stdout": proc.stdout,
        "stderr": proc.stderr,
        "folder": cwd / "evidence-demo",
    }


def printed(demo: dict, label: str) -> Path:
    (line,) = [x for x in demo["stdout"].splitlines() if x.startswith(f"{label}: ")]
    return Path(line.removeprefix(f"{label}: "))


def test_the_warehouse_and_csv_are_built_in_the_demo_folder_from_the_shipped_records(demo) -> None:
    warehouse, csv_path = printed(demo, "Warehouse"), printed(demo, "CSV")
    assert warehouse == demo["folder"] / "data" / "warehouse" / "evidence.duckdb"
    assert csv_path.is_relative_to(demo["folder"])
    # 38 registry records plus 4 trials written from their publications; results: 3 recorded trials'
    # posted results plus the 8 pivotal trials' transcribed from publications
    assert query(warehouse, "SELECT count(*) FROM trials") == [(42,)]
    assert query(warehouse, "SELECT count(*) FROM publications") == [(20,)]
    assert query(warehouse, "SELECT count(DISTINCT nct_id) FROM trial_results") == [(11,)]
    with csv_path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {"botulinum_toxin", "cgrp_antibody", "gepant"} <= {r["treatment_class"] for r in rows}


def test_the_terminal_is_quiet_and_the_log_file_has_the_details(demo) -> None:
    assert not [line for line in demo["stderr"].splitlines() if any(c in line for c in PREFECT_CHATTER)]
    log = printed(demo, "Log")
    assert log.parent == demo["folder"] / "data" / "logs"
    text = log.read_text(encoding="utf-8")
    assert "Beginning flow run" in text and "Finished in state Completed" in text
    assert '"GET /api/v2/studies?' in text  # the local registry's request log


def test_the_two_printed_queries_work_as_printed(demo) -> None:
    lines = demo["stdout"].splitlines()
    commands = lines[lines.index("Try:") + 1 :]
    assert len(commands) == 2
    cli, python = (shlex.split(c) for c in commands)
    assert cli[0] == "evidence" and python[:2] == ["python", "-c"]
    ran_cli = subprocess.run(
        [*EVIDENCE, *cli[1:], "--format", "csv"],
        cwd=demo["cwd"],
        env=demo["env"],
        capture_output=True,
        text=True,
    )
    assert ran_cli.returncode == 0, ran_cli.stderr
    assert ran_cli.stdout.splitlines()[0] == "treatment_class,trials,publications"
    ran_python = subprocess.run(
        [sys.executable, *python[1:]], cwd=demo["cwd"], env=demo["env"], capture_output=True, text=True
    )
    assert ran_python.returncode == 0, ran_python.stderr
    assert "treatment_class" in ran_python.stdout and "NCT" in ran_python.stdout


def test_the_demo_config_was_derived_from_the_shipped_one(demo) -> None:
    text = (demo["folder"] / "config.yaml").read_text(encoding="utf-8")
    shipped = (REPO_ROOT / "config.yaml").read_text(encoding="utf-8")
    assert "acupuncture:" in text and "acupuncture:" in shipped
    assert "base_url: http://127.0.0.1:" in text


def test_the_demo_shows_effects_and_forest_plots_and_says_where_they_come_from(demo) -> None:
    """The transcribed pivotal-trial results reach the warehouse, the nightly plots, the report and
    `evidence plot`; the intro says in one line that they come from publications, not the registry."""
    (intro,) = [line for line in demo["stdout"].splitlines() if line.startswith("Effects and forest plots: ")]
    assert "8 pivotal trials" in intro and "from their publications, not posted on the registry" in intro
    warehouse = printed(demo, "Warehouse")
    pooled = query(
        warehouse,
        "SELECT n_trials, n_comparisons FROM class_effects WHERE treatment_class = 'cgrp_antibody' "
        "AND endpoint_code = 'mmd_change' AND population = 'episodic'",
    )
    assert pooled == [(2, 4)]  # EVOLVE-2 and HALO EM, two doses each
    name = "cgrp_antibody__mmd_change__episodic.svg"
    assert (demo["folder"] / "data" / "plots" / name).is_file()
    report = printed(demo, "Report")
    html = Path(report.as_posix().removeprefix("file:")).read_text(encoding="utf-8")
    assert f'src="plots/{name}"' in html and "What the trials show" in html
    assert "transcribed by hand from the trials' publications, not posted on ClinicalTrials.gov" in html
    assert "Results posted on ClinicalTrials.gov" not in html
    out = demo["cwd"] / "forest.png"
    config = demo["folder"] / "config.yaml"
    args = ["--config", str(config), "plot", "--class", "cgrp_antibody", "--endpoint", "mmd_change"]
    ran = subprocess.run(
        [*EVIDENCE, *args, "--population", "episodic", "--out", str(out)],
        cwd=demo["cwd"],
        env=demo["env"],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    assert out.read_bytes().startswith(b"\x89PNG")
