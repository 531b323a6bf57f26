"""The nightly deployment as Prefect's API sees it: schedule, time zone, parameters, active state."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.deployment import DEPLOYMENT_NAME, FULL_NAME, TAGS, nightly_deployment, serve
from pipeline.config import load_config
from pipeline.errors import ConfigError

MINIMAL_CONFIG = """
treatment_classes:
  ketamine: {label: Ketamine, terms: [ketamine]}
"""


def write_config(folder: Path, extra: str = "") -> Path:
    path = folder / "config.yaml"
    path.write_text(MINIMAL_CONFIG + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def register_and_read(config_path: Path) -> Any:
    """Register exactly as ``evidence serve`` does, then read back through Prefect's client API."""
    from prefect import get_client

    nightly_deployment(load_config(config_path), config_path).apply()
    with get_client(sync_client=True) as client:
        return client.read_deployment_by_name(FULL_NAME)


def test_default_schedule_is_nightly_at_three_utc(prefect_server, tmp_path):
    config_path = write_config(tmp_path)
    deployment = register_and_read(config_path)

    assert deployment.name == DEPLOYMENT_NAME
    assert deployment.paused is False
    assert len(deployment.schedules) == 1
    schedule = deployment.schedules[0]
    assert schedule.active is True
    assert schedule.schedule.cron == "0 3 * * *"
    assert schedule.schedule.timezone == "UTC"
    assert deployment.parameters == {"config_path": str(config_path.resolve()), "source": "all"}
    assert sorted(deployment.tags) == sorted(TAGS)
    assert deployment.entrypoint == "flows.refresh.refresh"


def test_schedule_from_config_replaces_the_previous_one(prefect_server, tmp_path):
    register_and_read(write_config(tmp_path))
    custom = tmp_path / "custom"
    custom.mkdir()
    config_path = write_config(custom, 'schedule: {cron: "30 1 * * 1-5", timezone: Europe/Berlin}\n')

    deployment = register_and_read(config_path)

    assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in deployment.schedules] == [
        ("30 1 * * 1-5", "Europe/Berlin", True)
    ]
    assert deployment.parameters["config_path"] == str(config_path.resolve())


def test_serve_keeps_the_schedule_active_on_shutdown(tmp_path, monkeypatch):
    import prefect

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(prefect, "serve", lambda *args, **kwargs: calls.append((args, kwargs)))
    config_path = write_config(tmp_path)

    serve(load_config(config_path), config_path)

    [(deployments, options)] = calls
    assert [d.name for d in deployments] == [DEPLOYMENT_NAME]
    assert options["pause_on_shutdown"] is False
    assert options["limit"] == 1


@pytest.mark.parametrize(
    ("schedule", "key"),
    [
        ('{cron: "every night"}', "schedule.cron"),
        ("{timezone: Mars/Olympus_Mons}", "schedule.timezone"),
    ],
)
def test_invalid_schedule_is_rejected_at_config_load(tmp_path, schedule, key):
    with pytest.raises(ConfigError, match=re.escape(key)):
        load_config(write_config(tmp_path, f"schedule: {schedule}\n"))


def test_out_of_range_cron_is_rejected_at_config_load(tmp_path):
    with pytest.raises(ConfigError, match=re.escape("schedule.cron")):
        load_config(write_config(tmp_path, 'schedule: {cron: "0 25 * * *"}\n'))
