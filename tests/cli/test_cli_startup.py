"""What every command pays before it starts: importing the CLI loads no statistics library (about 1 s)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.outcomes.pooling import STATISTICS_MODULE

REPO = Path(__file__).resolve().parents[2]


def test_importing_the_cli_does_not_load_the_statistics_library() -> None:
    code = f"import sys, pipeline.cli; print({STATISTICS_MODULE.split('.')[0]!r} in sys.modules)"
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "False"


def test_the_statistics_module_is_the_one_pooling_imports() -> None:
    assert f"from {STATISTICS_MODULE} import" in (REPO / "pipeline/outcomes/pooling.py").read_text(
        encoding="utf-8"
    )
