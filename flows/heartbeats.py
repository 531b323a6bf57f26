"""Flow-run heartbeats off for a flow run inside a command at a terminal, unless the user set them.

Prefect (3.7 on) sends a heartbeat every 180 s from a thread that sleeps a second at a time, and the
flow run joins that thread when it ends: every in-process run waited up to a second after its work
was done (0.94 s measured at the end of a rebuild). Heartbeats let a Prefect automation mark a run
whose machine died as crashed; a command's own run record and lock already do that for the next run
(``pipeline.runs``), and scheduled runs under ``evidence serve`` keep them. Only the default changes:
``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` set in the environment or a Prefect profile still applies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings


@contextmanager
def no_heartbeats_by_default() -> Iterator[None]:
    with temporary_settings(set_defaults={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
