"""Where log records go while a CLI command runs: everything from INFO up into a log file, and only
warnings to the terminal (one line each, a storm of the same kind capped), unless ``--verbose``.

Prefect 3 configures logging when it is imported (``prefect/logging/logging.yml``): a
``PrefectConsoleHandler`` on the root logger, to which the ``prefect`` loggers (level INFO)
propagate, so every flow and task state change reaches the terminal. ``setup_logging`` leaves the
root logger alone when it already holds a handler of the user's, so the CLI installs its handlers
before importing prefect; where prefect was imported earlier in the process (tests), its console
handler is detached for the command and put back afterwards.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

FILE_FORMAT = "%(asctime)s | %(levelname)-7s | %(name)s%(run_name)s - %(message)s"
VERBOSE_FORMAT = "%(asctime)s | %(levelname)-7s | %(name)s%(run_name)s - %(message)s"
MAX_SIMILAR = 3  # terminal lines per kind of warning (same logger, same message template) per command
# Prefect's API client logs every call to its own server at INFO: noise even in the file.
CHATTY_LOGGERS = ("httpx", "httpcore")


class RunName(logging.Filter):
    """Adds ``run_name``: the flow or task run a Prefect record came from, as `` [fetch-ctgov-3eb]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        name = getattr(record, "task_run_name", None) or getattr(record, "flow_run_name", None)
        record.run_name = f" [{name}]" if name else ""
        return True


class ConsoleLines(logging.Handler):
    """Prints through the rich console, so lines land above live progress bars instead of through them."""

    def __init__(self, console: Console, level: int) -> None:
        super().__init__(level)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self.console.print(text, soft_wrap=True, highlight=False, markup=False, emoji=False)


class QuietConsole(ConsoleLines):
    """Warnings as ``warning: <first line>``. Prefect's errors stay in the file: the CLI reports a failed
    command itself, in one line. After ``MAX_SIMILAR`` lines of one kind, one pointer to the file."""

    def __init__(self, console: Console, log_path: Path | None) -> None:
        super().__init__(console, logging.WARNING)
        self.log_path = log_path
        self.seen: Counter[tuple[str, str]] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR and record.name.startswith("prefect"):
            return
        kind = (record.name, str(record.msg))
        self.seen[kind] += 1
        if self.seen[kind] > MAX_SIMILAR + 1:
            return
        if self.seen[kind] == MAX_SIMILAR + 1:
            where = f" in {self.log_path}" if self.log_path else ""
            self.console.print(
                f"{record.levelname.lower()}: more like this{where}", soft_wrap=True, markup=False
            )
            return
        super().emit(record)

    def format(self, record: logging.LogRecord) -> str:
        lines = record.getMessage().strip().splitlines() or [""]
        return f"{record.levelname.lower()}: {lines[0]}"


@contextmanager
def command_logging(log_path: Path | None, *, verbose: bool, console: Console) -> Iterator[Path | None]:
    """Route logging for one command; yields the log file's path (None: no file)."""
    root = logging.getLogger()
    saved_level = root.level
    prefect_console = [
        (n, h) for n, h in enumerate(root.handlers) if type(h).__name__ == "PrefectConsoleHandler"
    ]
    chatty = {name: logging.getLogger(name).level for name in CHATTY_LOGGERS}
    installed: list[logging.Handler] = []
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(log_path, encoding="utf-8")
        to_file.setLevel(logging.INFO)
        to_file.addFilter(RunName())
        to_file.setFormatter(logging.Formatter(FILE_FORMAT))
        installed.append(to_file)
    if verbose:
        to_console: ConsoleLines = ConsoleLines(console, logging.INFO)
        to_console.addFilter(RunName())
        to_console.setFormatter(logging.Formatter(VERBOSE_FORMAT, datefmt="%H:%M:%S"))
    else:
        to_console = QuietConsole(console, log_path)
        to_console.setFormatter(logging.Formatter("%(message)s"))  # Prefect's test for "a user handler"
    installed.append(to_console)
    for _, handler in prefect_console:
        root.removeHandler(handler)
    for handler in installed:
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    try:
        yield log_path
    finally:
        logging.captureWarnings(False)
        for handler in installed:
            root.removeHandler(handler)
            handler.close()
        for index, handler in prefect_console:  # back where it was, so handler order is unchanged
            root.handlers.insert(min(index, len(root.handlers)), handler)
        root.setLevel(saved_level)
        for name, level in chatty.items():
            logging.getLogger(name).setLevel(level)
