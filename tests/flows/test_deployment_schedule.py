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


def test_missed_nights_leave_one_catch_up_run(prefect_server, tmp_path, monkeypatch):
    """Three nights passed while nothing served: the newest runs (incremental, it covers all three)."""
    from flows import missed_runs

    monkeypatch.setattr(missed_runs, "BATCH", 1)  # several passes, as after a long outage
    from datetime import UTC, datetime, timedelta

    from prefect import get_client
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.states import Scheduled

    from flows.missed_runs import SKIPPED_MESSAGE, skip_missed_runs

    deployment = register_and_read(write_config(tmp_path))
    now = datetime.now(UTC)
    due = [now - timedelta(days=d) for d in (3, 2, 1)] + [now + timedelta(days=1)]
    with get_client(sync_client=True) as client:
        for run in client.read_flow_runs(
            sort=FlowRunSort.ID_DESC, limit=200
        ):  # runs the scheduler made ahead are not this test's
            client.delete_flow_run(run.id)
        runs = [
            client.create_flow_run_from_deployment(deployment.id, state=Scheduled(scheduled_time=when))
            for when in due
        ]
        missed = skip_missed_runs(FULL_NAME, now=now)
        states = [client.read_flow_run(run.id).state for run in runs]

    assert missed.kept == runs[2].name
    assert sorted(missed.skipped) == sorted([runs[0].name, runs[1].name])
    assert [s.type.value for s in states] == ["CANCELLED", "CANCELLED", "SCHEDULED", "SCHEDULED"]
    assert states[0].message == SKIPPED_MESSAGE
    assert skip_missed_runs(FULL_NAME, now=now).skipped == (), "nothing left to skip"


def test_skipping_missed_runs_of_an_unregistered_deployment_does_nothing(prefect_server):
    from flows.missed_runs import skip_missed_runs

    assert skip_missed_runs("refresh/never-registered").kept is None


def test_a_prefect_api_that_does_not_answer_is_a_one_line_error():
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.local_server import PrefectServerError, free_port
    from flows.missed_runs import skip_missed_runs

    unreachable = {PREFECT_API_URL: f"http://127.0.0.1:{free_port()}/api"}
    with (
        temporary_settings(unreachable),
        pytest.raises(PrefectServerError, match="cannot read or cancel missed runs") as raised,
    ):
        skip_missed_runs(FULL_NAME)
    assert "\n" not in str(raised.value)
