"""The one retry policy for every API: what counts as transient, how long to wait, when to give up.

tenacity runs the loop; this module only decides. Waits are exponential with jitter (so parallel
clients do not retry in lock-step), replaced by the server's ``Retry-After`` when it sends one, and
never longer than ``backoff_max_seconds``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)
from tenacity.wait import wait_base

from pipeline.config import HttpSettings

logger = logging.getLogger(__name__)


class TransientFault(Exception):
    """One attempt failed in a way that may pass on its own (429, 5xx, network, bad body).

    ``refused``: the body was the server's own error message (``ErrorBody``), so it answered.
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        refused: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.refused = refused


class InvalidBody(Exception):
    """Raised by a body validator: a 200 arrived but cannot be used (cut short, malformed, an error)."""


class ErrorBody(InvalidBody):
    """The body is the server's own error message (NCBI's ``<ERROR>``): worth retrying, since NCBI
    sends these for passing faults too, but if every attempt gets one the server refused the request."""


class WaitRetryAfterOrBackoff(wait_base):
    """The server's Retry-After when given, else exponential backoff plus jitter; both capped."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.maximum = maximum
        self._backoff = wait_exponential(multiplier=initial, max=maximum) + wait_random(0, initial)

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None and outcome.failed else None
        if isinstance(exc, TransientFault) and exc.retry_after is not None:
            return min(exc.retry_after, self.maximum)
        return min(self._backoff(retry_state), self.maximum)


def build_retrying(
    http: HttpSettings,
    *,
    describe: str,
    sleep: Callable[[float], None],
    give_up: Callable[[RetryCallState], object],
) -> Retrying:
    """A fresh Retrying per request: its state (attempt count) is then never shared between threads."""

    def log_retry(state: RetryCallState) -> None:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, TransientFault):
            what = f"HTTP {exc.status}: {exc.reason}" if exc.status else exc.reason
        else:
            what = repr(exc)
        logger.warning(
            "%s: %s (attempt %d/%d); retrying in %.1f s",
            describe,
            what,
            state.attempt_number,
            http.max_attempts,
            state.next_action.sleep if state.next_action is not None else 0.0,
        )

    return Retrying(
        stop=stop_after_attempt(http.max_attempts),
        wait=WaitRetryAfterOrBackoff(http.backoff_initial_seconds, http.backoff_max_seconds),
        retry=retry_if_exception_type(TransientFault),
        sleep=sleep,
        before_sleep=log_retry,
        retry_error_callback=give_up,
    )
