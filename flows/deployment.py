"""The nightly schedule: a Prefect deployment of ``refresh`` built from config and served in-process.

The deployment lives in code rather than ``prefect.yaml`` so the schedule has one source of truth,
``schedule.cron`` and ``schedule.timezone`` in config.yaml, validated with the rest of the config.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron

from flows.refresh import refresh
from pipeline.config import Settings, absolute_config_path

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

DEPLOYMENT_NAME = "nightly"
FULL_NAME = f"{refresh.name}/{DEPLOYMENT_NAME}"
TAGS = ["migraine-evidence", "nightly"]
DESCRIPTION = (
    "Nightly refresh of every source (ClinicalTrials.gov and PubMed) into the warehouse and the CSV; "
    "schedule from schedule.cron / schedule.timezone in the config."
)


def nightly_deployment(settings: Settings, config_path: Path) -> RunnerDeployment:
    """The ``refresh/nightly`` deployment.

    The config path is stored absolute because scheduled runs start in the runner's working folder,
    not the user's; the module entrypoint works from any folder since the package is installed.
    """
    return refresh.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(settings.schedule.cron, timezone=settings.schedule.timezone)],
        parameters={"config_path": str(absolute_config_path(config_path)), "source": "all"},
        description=DESCRIPTION,
        tags=TAGS,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def serve(settings: Settings, config_path: Path) -> None:
    """Register the deployment and run its scheduled runs until interrupted.

    ``pause_on_shutdown=False``: a restart or upgrade of this process must not silently switch the
    nightly schedule off. ``limit=1``: a second concurrent refresh would only fail on the refresh lock.
    """
    from prefect import serve as prefect_serve

    prefect_serve(nightly_deployment(settings, config_path), pause_on_shutdown=False, limit=1)
