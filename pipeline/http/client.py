"""A polite, fault-tolerant GET and form POST shared by every source client.

Every call is rate limited, has a timeout, and is retried per ``retry.py``. A validator lets each
source say what a usable body looks like, so a truncated page or an error hidden in a 200 is retried
like a 503 instead of being stored. Anything that still fails ends as one ``FetchError`` line, with
the values of secret parameters scrubbed from it even where a server echoed them back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Generic, NoReturn, TypeVar

import requests
from tenacity import RetryCallState

from pipeline.config import HttpSettings
from pipeline.errors import FetchError
from pipeline.http.clock import SYSTEM_CLOCK, Clock
from pipeline.http.rate_limit import RateLimiter
from pipeline.http.reachability import raise_if_unreachable
from pipeline.http.redact import (
    install_log_redaction,
    redact_params,
    redact_text,
    redact_url,
    scrub_values,
    secret_values,
)
from pipeline.http.retry import ErrorBody, InvalidBody, TransientFault, build_retrying
from pipeline.http.retry_after import parse_retry_after
from pipeline.http.session import make_session

T = TypeVar("T")
MAX_ERROR_TEXT = 300

# A connection cut mid-body (ChunkedEncodingError) or a broken gzip stream is as transient as a reset.
TRANSIENT_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class HttpResult(Generic[T]):
    """A usable response: the body exactly as received plus what the validator made of it.

    The one response type of every source: the raw zone stores it as it is (``RawRun.write_response``),
    so everything in it may be written down.
    """

    url: str  # secrets redacted; for a POST the form fields are not in it
    params: dict[str, Any]  # query params or form fields as sent, made public (see ``public_params``)
    status: int
    body: bytes
    parsed: T
    fetched_at: datetime
    attempts: int
    headers: Mapping[str, str]


class RequestRejected(FetchError):
    """The server refused the request itself (HTTP 4xx other than 429, or an error body of its own on
    every attempt): repeating it cannot help, though asking differently may."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def one_line(text: str, limit: int = MAX_ERROR_TEXT, secrets: tuple[str, ...] = ()) -> str:
    """Error bodies can be whole HTML pages; a user-facing message stays one readable, secret-free line."""
    flat = " ".join(scrub_values(redact_text(text), secrets).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def public_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """What may be written down about a request: no API key at all, other secrets redacted as in URLs."""
    return dict(redact_params({k: v for k, v in params.items() if k != "api_key"}))


def _keep_body(body: bytes) -> bytes:
    return body


@dataclass(frozen=True)
class _Call(Generic[T]):
    """One request as the retry loop repeats it: what is sent, how it is shown, what makes it usable."""

    method: str
    url: str
    fields: dict[str, Any]
    shown: str  # the URL as it may be shown: secrets redacted
    validate: Callable[[bytes], T]

    @property
    def describe(self) -> str:
        return f"{self.method} {self.shown}"

    @cached_property
    def secrets(self) -> tuple[str, ...]:
        return secret_values(self.fields)

    def one_line(self, text: str) -> str:
        """``text`` as one short line without this request's secret values."""
        return one_line(text, secrets=self.secrets)


class HttpClient:
    """GET and form POST with timeouts, retries, rate limiting and body validation; one per API."""

    def __init__(self, settings: HttpSettings, user_agent: str, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.settings = settings
        install_log_redaction()
        self.session = make_session(user_agent)
        self._sleep = clock.sleep
        self.limiter = RateLimiter(settings.requests_per_second, clock=clock, sleep=clock.sleep)
        self._answered = False  # fail_fast applies until the host has answered once

    def close(self) -> None:
        self.session.close()

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        validate: Callable[[bytes], T] = _keep_body,  # type: ignore[assignment]
    ) -> HttpResult[T]:
        """The first usable response; ``validate`` raises InvalidBody for a body worth another try."""
        fields = dict(params or {})
        shown = redact_url(requests.Request("GET", url, params=fields).prepare().url or url)
        return self._request(_Call("GET", url, fields, shown, validate))

    def post(
        self,
        url: str,
        data: Mapping[str, Any],
        *,
        validate: Callable[[bytes], T] = _keep_body,  # type: ignore[assignment]
    ) -> HttpResult[T]:
        """Like ``get``, the fields sent as a form body: long queries and keys stay out of URLs and logs."""
        fields = dict(data)
        return self._request(_Call("POST", url, fields, redact_url(url), validate))

    def _request(self, call: _Call[T]) -> HttpResult[T]:
        """The one retry loop both verbs share."""
        attempts = 0

        def attempt() -> HttpResult[T]:
            nonlocal attempts
            attempts += 1
            return self._attempt(call, attempts)

        def give_up(state: RetryCallState) -> NoReturn:
            outcome = state.outcome
            exc = outcome.exception() if outcome is not None else None
            status = f"HTTP {exc.status}" if isinstance(exc, TransientFault) and exc.status else "no response"
            reason = exc.reason if isinstance(exc, TransientFault) else str(exc)
            message = (
                f"{call.describe} failed after {state.attempt_number} attempts ({status}): "
                f"{call.one_line(reason)}"
            )
            if isinstance(exc, TransientFault) and exc.refused:
                raise RequestRejected(message, exc.status or 200)
            raise FetchError(message)

        retrying = build_retrying(self.settings, describe=call.describe, sleep=self._sleep, give_up=give_up)
        return retrying(attempt)

    def _send(self, call: _Call[T]) -> requests.Response:
        timeout = self.settings.timeout_seconds
        if call.method == "POST":
            return self.session.post(call.url, data=call.fields, timeout=timeout)
        return self.session.get(call.url, params=call.fields, timeout=timeout)

    def _attempt(self, call: _Call[T], attempt_no: int) -> HttpResult[T]:
        self.limiter.wait()
        try:
            response = self._send(call)
            body = response.content  # reads the whole body: a cut connection raises here
        except TRANSIENT_NETWORK_ERRORS as exc:
            if self.settings.fail_fast and not self._answered:
                raise_if_unreachable(exc, call.url, self.settings.timeout_seconds)
            raise TransientFault(f"{type(exc).__name__}: {call.one_line(str(exc))}") from None
        except requests.RequestException as exc:
            raise FetchError(
                f"{call.describe} failed: {type(exc).__name__}: {call.one_line(str(exc))}"
            ) from None
        self._answered = True
        fetched_at = datetime.now(UTC)
        status = response.status_code
        if status == 429 or status >= 500:
            raise TransientFault(
                f"{response.reason or 'server error'}: {call.one_line(response.text)}",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 400:
            detail = call.one_line(response.text) or response.reason
            raise RequestRejected(f"{call.describe} rejected with HTTP {status}: {detail}", status)
        try:
            parsed = call.validate(body)
        except InvalidBody as exc:
            reason = call.one_line(str(exc))  # a server's error text may echo the key
            refused = isinstance(exc, ErrorBody)
            raise TransientFault(f"unusable body: {reason}", status=status, refused=refused) from None
        return HttpResult(
            url=call.shown,
            params=public_params(call.fields),
            status=status,
            body=body,
            parsed=parsed,
            fetched_at=fetched_at,
            attempts=attempt_no,
            headers=dict(response.headers),
        )
