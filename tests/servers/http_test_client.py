"""An HttpClient on a fake clock plus scripted handlers: the shared kit of the HTTP-layer tests."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug import Request, Response

from pipeline.config import HttpSettings
from pipeline.http.client import HttpClient
from tests.servers.fake_clock import FakeClock

UA = "migraine-evidence-pipeline/test (http layer tests)"


def make_client(clock: FakeClock, *, max_attempts: int = 4, **overrides: float) -> HttpClient:
    """Fast limits (the fake clock absorbs every wait) unless a test overrides them."""
    settings = HttpSettings(
        **{
            "timeout_seconds": 5.0,
            "requests_per_second": 1000.0,
            "max_attempts": max_attempts,
            "backoff_initial_seconds": 1.0,
            "backoff_max_seconds": 30.0,
            **overrides,
        }
    )
    return HttpClient(settings, UA, clock=clock)


def sequence(*responses: Response) -> Callable[[Request], Response]:
    """A handler answering with the given responses in order, then repeating the last one."""
    queue = list(responses)

    def handler(_request: Request) -> Response:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler
