"""Nights missed while ``evidence serve`` was down: one catch-up refresh, not one per missed night.

Prefect schedules runs ahead of time; runs whose time passed while no runner was serving stay
Scheduled (shown as Late) and a restarted runner would execute them back to back, oldest first. A
refresh is incremental from the last good watermark, so the newest missed run alone catches up on all
of them: the older ones are cancelled, with a message saying why, before the runner starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from flows.local_server import PrefectServerError

logger = logging.getLogger(__name__)

BATCH = 200
SKIPPED_MESSAGE = "Skipped: a later missed run of this deployment catches up on every missed night"


@dataclass(frozen=True)
class MissedRuns:
    kept: str | None  # name of the flow run left to catch up, if any was missed
    skipped: tuple[str, ...]  # names of the flow runs cancelled


def skip_missed_runs(deployment_name: str, now: datetime | None = None) -> MissedRuns:
    """Cancel every past-due scheduled run of ``deployment_name`` ("flow/deployment") but the newest.

    A deployment not registered yet has no runs: nothing to do.
    """
    cutoff = now or datetime.now(UTC)
    try:
        return _skip(deployment_name, cutoff)
    except httpx.HTTPError as exc:  # Prefect's own HTTP status error is one too
        raise PrefectServerError(
            f"cannot read or cancel missed runs of {deployment_name} through the Prefect API: "
            f"{str(exc).splitlines()[0]}"
        ) from None


def _skip(deployment_name: str, cutoff: datetime) -> MissedRuns:
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import FlowRun, StateType
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Cancelled

    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(deployment_name)
        except ObjectNotFound:
            return MissedRuns(None, ())

        def past_due(skip: FlowRun | None, limit: int) -> list[FlowRun]:
            return client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    id=FlowRunFilterId(not_any_=[skip.id] if skip else []),
                    deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id]),
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                    expected_start_time=FlowRunFilterExpectedStartTime(before_=cutoff),
                ),
                # Prefect 3.8.8's server answers 422 to the client's default sort=None and limit=None.
                sort=FlowRunSort.EXPECTED_START_TIME_DESC,
                limit=limit,
            )

        newest = next(iter(past_due(None, 1)), None)
        older: list[FlowRun] = []
        # In batches: each pass cancels what it read, so the next one reads further back.
        while newest is not None and (batch := past_due(newest, BATCH)):
            for run in batch:
                client.set_flow_run_state(run.id, Cancelled(message=SKIPPED_MESSAGE), force=True)
            older.extend(batch)
    if newest is None:
        return MissedRuns(None, ())
    if older:
        logger.info(
            "%d missed run(s) of %s skipped; %s (due %s) catches up",
            len(older),
            deployment_name,
            newest.name,
            newest.expected_start_time,
        )
    return MissedRuns(newest.name, tuple(run.name for run in older))
