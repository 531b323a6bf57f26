"""Two refreshes never run at once; a dead holder never blocks the next run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pipeline.runs.lock import RefreshLocked, refresh_lock


def test_second_holder_is_refused_with_who_holds_it(tmp_path):
    with refresh_lock(tmp_path, "refresh"):
        code = textwrap.dedent(
            f"""
            from pathlib import Path
            from pipeline.runs.lock import refresh_lock, RefreshLocked
            try:
                with refresh_lock(Path({str(tmp_path)!r}), "refresh"):
                    print("acquired")
            except RefreshLocked as exc:
                print("refused:", exc)
            """
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.startswith("refused: another run is in progress")
    assert "refresh by pid" in proc.stdout


def test_lock_is_released_after_the_block(tmp_path):
    with refresh_lock(tmp_path, "refresh"):
        pass
    with refresh_lock(tmp_path, "rebuild"):
        pass


def test_same_process_cannot_nest(tmp_path):
    with refresh_lock(tmp_path, "refresh"), pytest.raises(RefreshLocked), refresh_lock(tmp_path, "refresh"):
        pass


def test_killed_holder_leaves_no_stale_lock(tmp_path):
    code = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from pipeline.runs.lock import refresh_lock
        with refresh_lock(Path({str(tmp_path)!r}), "refresh"):
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], check=False)
    assert proc.returncode == -9
    with refresh_lock(tmp_path, "refresh"):
        pass
