"""What every command pays before it starts: importing the CLI loads no statistics library (about 1 s), and
the script's own module nothing of the pipeline (the processes normalising pages import it again)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.cli import PAGE_IMPORTS
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


def test_the_script_module_imports_nothing_of_the_pipeline() -> None:
    code = (
        "import sys, pipeline.console.entry; "
        "print(sorted(m for m in sys.modules if 'pyarrow' in m or 'pipeline.' in m))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "['pipeline.console', 'pipeline.console.entry']"


def test_the_head_start_imports_exist() -> None:
    for module in PAGE_IMPORTS:
        subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, check=True)
