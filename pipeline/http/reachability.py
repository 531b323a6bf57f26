"""Tell "this host cannot be reached from here" apart from a passing fault.

A name that does not resolve, a refused connection, a failed TLS handshake, a proxy that cannot be
reached, no route, or no answer to connect: on the *first* request to a host these mean no network, a
proxy or a firewall, not a busy server. Retrying them for minutes (backoff, then Prefect's task
retries) only hides the cause from someone waiting at a terminal. So runs started from the command
line set ``HttpSettings.fail_fast`` (``for_interactive_run``) and the client raises ``SourceUnreachable``
at once; scheduled runs keep retrying, since a night's run outlives a short outage.

requests honours HTTPS_PROXY, HTTP_PROXY, NO_PROXY and REQUESTS_CA_BUNDLE, so every hint below points
at those.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NameResolutionError

from pipeline.config import Settings
from pipeline.errors import FetchError

DEMO_HINT = "Without network, try `evidence demo`."
NO_ROUTE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH})


@dataclass(frozen=True)
class Unreachable:
    host: str
    cause: str  # a short phrase naming the likely cause and what to check


class SourceUnreachable(FetchError):
    """One or more hosts cannot be reached at all: one line naming them, the cause, and the demo."""

    def __init__(self, failures: Sequence[Unreachable]) -> None:
        self.failures = tuple(failures)
        super().__init__(describe(self.failures))


def describe(failures: Sequence[Unreachable]) -> str:
    """Hosts with the same cause share one clause, so two sources without network stay one line."""
    by_cause: dict[str, list[str]] = {}
    for failure in failures:
        by_cause.setdefault(failure.cause, []).append(failure.host)
    clauses = [f"{', '.join(hosts)}: {cause}" for cause, hosts in by_cause.items()]
    return f"cannot reach {'; '.join(clauses)}. {DEMO_HINT}"


def host_of(url: str) -> str:
    """``host`` or ``host:port`` as the user wrote it in config.yaml (the port only when given)."""
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1] or url


def classify(exc: BaseException, url: str, timeout_seconds: float) -> Unreachable | None:
    """Why ``url``'s host cannot be reached, or None when ``exc`` is a fault worth retrying."""
    host = host_of(url)
    if isinstance(exc, requests.exceptions.ProxyError):
        proxy = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url)) or "the proxy"
        return Unreachable(host, f"proxy {host_of(proxy)} unreachable (check HTTPS_PROXY, NO_PROXY)")
    if isinstance(exc, requests.exceptions.SSLError):
        return Unreachable(host, "TLS handshake failed (a proxy intercepting HTTPS? set REQUESTS_CA_BUNDLE)")
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Unreachable(
            host, f"no answer in {timeout_seconds:g} s (no network, or a firewall dropping traffic)"
        )
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return None
    causes = list(_chain(exc))
    if any(isinstance(c, socket.gaierror | NameResolutionError) for c in causes):
        return Unreachable(host, "name not found (no network or DNS; behind a proxy, set HTTPS_PROXY)")
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return Unreachable(host, "connection refused (server down, or a firewall or proxy in the way)")
    if any(isinstance(c, OSError) and c.errno in NO_ROUTE for c in causes):
        return Unreachable(host, "no route to host (no network, or a firewall in the way)")
    return None


def raise_if_unreachable(exc: BaseException, url: str, timeout_seconds: float) -> None:
    """For the client's first request under ``fail_fast``: stop now instead of retrying."""
    failure = classify(exc, url, timeout_seconds)
    if failure is not None:
        raise SourceUnreachable([failure]) from None


def for_interactive_run(settings: Settings) -> Settings:
    """The same settings with every source's HTTP client set to fail fast on an unreachable host."""
    sources = settings.sources
    updated = {}
    for name in type(sources).model_fields:
        source = getattr(sources, name)
        updated[name] = source.model_copy(update={"http": source.http.model_copy(update={"fail_fast": True})})
    return settings.model_copy(update={"sources": sources.model_copy(update=updated)})


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps: requests wraps urllib3, which wraps the socket error."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        stack.extend(w for w in wrapped if isinstance(w, BaseException))
