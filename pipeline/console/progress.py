"""Progress bars for long steps, drawn by rich on the CLI's terminal.

The CLI opens one display for the whole command; steps (which may run in Prefect worker threads) ask
for a tracker by name. With no display open (tests, scheduled runs) trackers do nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Tracker = Callable[[int, int | None], None]

_lock = threading.Lock()
_active: Progress | None = None


@contextmanager
def display(console: Console | None = None) -> Iterator[None]:
    """Show progress bars on an interactive terminal until the block ends."""
    global _active
    console = console or Console(stderr=True)
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=False,
    )
    with bars:
        with _lock:
            _active = bars
        try:
            yield
        finally:
            with _lock:
                _active = None


def tracker(description: str) -> Tracker:
    """A callback ``(done, total)`` that moves one bar; a no-op when no display is open."""
    with _lock:
        bars = _active
    if bars is None:
        return _noop
    task_id = bars.add_task(description, total=None)

    def update(done: int, total: int | None) -> None:
        bars.update(task_id, completed=done, total=total)

    return update


def _noop(done: int, total: int | None) -> None:
    return None
