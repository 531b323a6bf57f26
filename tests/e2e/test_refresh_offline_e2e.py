"""A refresh whose registry host cannot be reached: interactive runs stop at once, scheduled runs retry.

The interactive flag reaches the HTTP client (no request retries) and the flow's fetch task (no Prefect
retries); without it, both retry as before. Task run counts are read back from Prefect's own API.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.sorting import TaskRunSort

from flows.refresh import refresh
from pipeline.runs.log import RunLog
from tests.e2e.e2e_support import write_config

pytestmark = pytest.mark.e2e

UNRESOLVABLE = "https://registry.invalid/api/v2"


def offline_config(tmp_path: Path) -> Path:
    """The e2e config with ClinicalTrials.gov unresolvable and Prefect allowed two fetch retries."""
    path = write_config(tmp_path, ctgov_url=UNRESOLVABLE)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["sources"]["ctgov"]["http"].update(max_attempts=2, backoff_initial_seconds=0.01)
    config["orchestration"] = {"fetch_retries": 2, "fetch_retry_delay_seconds": 0}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def fetch_run_counts(flow_run_id) -> list[int]:
    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
            sort=TaskRunSort.EXPECTED_START_TIME_ASC,
            limit=50,
        )
    return [t.run_count for t in task_runs if t.name.startswith("fetch")]


def test_interactive_refresh_reports_the_host_once_without_any_retry(tmp_path: Path) -> None:
    state = refresh(
        config_path=str(offline_config(tmp_path)), source="ctgov", interactive=True, return_state=True
    )
    assert state.is_failed()
    message = str(state.result(raise_on_failure=False))
    assert message.startswith("cannot reach registry.invalid: name not found")
    assert "evidence demo" in message and "\n" not in message
    assert fetch_run_counts(state.state_details.flow_run_id) == [1]
    (run,) = RunLog(tmp_path / "data").records()
    assert run.status == "failed" and "SourceUnreachable: cannot reach registry.invalid" in run.error


def test_scheduled_refresh_keeps_its_http_and_task_retries(tmp_path: Path) -> None:
    state = refresh(config_path=str(offline_config(tmp_path)), source="ctgov", return_state=True)
    assert state.is_failed()
    message = str(state.result(raise_on_failure=False))
    assert "failed after 2 attempts" in message and "NameResolutionError" in message
    assert fetch_run_counts(state.state_details.flow_run_id) == [3]
