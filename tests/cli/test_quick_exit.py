"""The ``evidence`` script ends its process once the command returned: every exit handler runs, the
interpreter is not torn down, and the command's status is the process's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# A command that registers an exit handler while it runs (as Prefect, DuckDB or logging do) and keeps
# an object whose finaliser only a teardown of the interpreter would call.
COMMAND = """
import atexit, sys
import pipeline.cli

class Finalised:
    def __del__(self):
        print("torn down", flush=True)

kept = Finalised()

def command():
    atexit.register(print, "handler ran")
    print("command output")  # block-buffered into a pipe: the exit must flush it
    return int(sys.argv[1])

pipeline.cli.main = command
from pipeline.console.entry import run
run()
"""


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", COMMAND, *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_the_command_status_output_and_exit_handlers_survive_the_quick_exit() -> None:
    done = _script("7")
    assert done.returncode == 7
    assert done.stdout.splitlines() == ["command output", "handler ran"]


def test_the_interpreter_is_not_torn_down() -> None:
    assert "torn down" not in _script("0").stdout


def test_argparse_exits_the_usual_way() -> None:
    usage = subprocess.run(
        [sys.executable, "-c", "from pipeline.console.entry import run; run()", "no-such-command"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert usage.returncode == 2
    assert "invalid choice" in usage.stderr
