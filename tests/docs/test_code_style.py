"""The code stays ruff-clean: a lint regression fails the test run like any other bug."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_ruff_check_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]' installs it)")
    proc = subprocess.run(
        [ruff, "check", "--quiet", str(REPO_ROOT)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


COMPLEXITY_RULES = {"C901", "PLR0912", "PLR0913", "PLR0915"}
# The only exemptions: the outcome layer as first merged, until its rework (which meets the limits) lands.
KNOWN_EXEMPTIONS: dict[str, list[str]] = {}


def test_complexity_limits_are_on_and_nothing_new_is_exempt():
    lint = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    assert set(lint["select"]) >= COMPLEXITY_RULES
    assert lint["mccabe"]["max-complexity"] == 12
    assert lint["pylint"]["max-args"] == 6
    exempt = {
        path: rules
        for path, rules in lint.get("per-file-ignores", {}).items()
        if COMPLEXITY_RULES & set(rules)
    }
    assert exempt.items() <= KNOWN_EXEMPTIONS.items(), "split the function instead of exempting it"
    suppressed = [
        f"{p.relative_to(REPO_ROOT)}:{n}"
        for folder in ("pipeline", "flows", "tests", "bench")
        for p in (REPO_ROOT / folder).rglob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if "noqa" in line and any(rule in line for rule in COMPLEXITY_RULES)
    ]
    assert suppressed == [], "split the function instead of suppressing the limit"
