"""``evidence serve``: register the nightly refresh deployment and run it on its schedule.

Separate from ``pipeline.cli`` because it owns a process lifecycle (a Prefect server child, a
long-running runner) that the one-shot commands do not have.
"""

from __future__ import annotations

import argparse
import os
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from rich.console import Console

from flows.local_server import API_URL_ENV_VAR, SERVER_URL_FILE, announced, prefect_api
from flows.missed_runs import skip_missed_runs
from pipeline.config import (
    PACKAGED_CONFIG,
    Settings,
    absolute_config_path,
    is_packaged_config,
    resolve_config_path,
)
from pipeline.console import quiet_tracebacks
from pipeline.errors import ConfigError

DEFAULT_STARTUP_TIMEOUT_SECONDS = 120.0
SERVER_LOG = "logs/prefect-server.log"

err = Console(stderr=True)


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


def add_serve_parser(subparsers: Any) -> argparse.ArgumentParser:
    """``subparsers`` is what ``ArgumentParser.add_subparsers`` returned (argparse keeps its type private)."""
    serve = subparsers.add_parser(
        "serve",
        help="run the refresh on schedule.cron (a Prefect deployment); starts a local Prefect server "
        f"unless {API_URL_ENV_VAR} is set",
    )
    serve.add_argument(
        "--startup-timeout",
        metavar="SECONDS",
        type=positive_seconds,
        default=DEFAULT_STARTUP_TIMEOUT_SECONDS,
        help=f"how long to wait for the local Prefect server (default: {DEFAULT_STARTUP_TIMEOUT_SECONDS:g})",
    )
    return serve


def check_schedule(settings: Settings, config_path: Path) -> None:
    """Prefect's own schedule check, before a server is started: the config validates the cron with
    cronsim, but Prefect's parser has the last word and would otherwise fail deep inside the runner."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    schedule = settings.schedule
    try:
        CronSchedule(cron=schedule.cron, timezone=schedule.timezone)
    except ValidationError as exc:
        key = str(exc.errors()[0]["loc"][0])
        raise ConfigError(
            f"{config_path}: invalid config: schedule.{key}: Prefect rejects {getattr(schedule, key, '')!r}"
        ) from None


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Blocks until Ctrl-C or SIGTERM; the schedule stays active afterwards (see flows.deployment)."""
    quiet_tracebacks.quiet_prefect()
    config_path = absolute_config_path(resolve_config_path(args.config))
    if is_packaged_config(config_path):
        raise ConfigError(
            "evidence serve needs a config file of its own (scheduled runs start in another folder): "
            f"no ./config.yaml here; copy {PACKAGED_CONFIG} here or pass --config PATH"
        )
    check_schedule(settings, config_path)
    server_log = settings.storage.data_dir / SERVER_LOG
    starts_local_server = not os.environ.get(API_URL_ENV_VAR)
    if starts_local_server:
        err.print(f"Starting a local Prefect server (log: {server_log}) ...", highlight=False)
    with ExitStack() as stack:
        api_url = stack.enter_context(prefect_api(args.startup_timeout, server_log))
        if starts_local_server:  # refresh and rebuild use it while it runs (flows.local_server)
            stack.enter_context(announced(api_url, settings.storage.data_dir / SERVER_URL_FILE))
        from flows.deployment import FULL_NAME, serve

        where = (
            f"local server, UI at {api_url.removesuffix('/api')}" if starts_local_server else API_URL_ENV_VAR
        )
        err.print(f"Prefect API: {api_url} ({where})", highlight=False)
        err.print(
            f"Deployment {FULL_NAME}: cron {settings.schedule.cron!r} in {settings.schedule.timezone}, "
            f"config {config_path}",
            highlight=False,
        )
        missed = skip_missed_runs(FULL_NAME)
        if missed.kept is not None:
            err.print(
                f"Missed while not serving: {len(missed.skipped) + 1} scheduled run(s); "
                f"{len(missed.skipped)} skipped, {missed.kept} runs now and catches up",
                highlight=False,
            )
        serve(settings, config_path)
    return 0
