"""Before a run someone is waiting for: can each selected source's host be reached at all?

One GET of each base URL, side by side, with the real client (same session, User-Agent, proxies and
CA bundle as the run), one attempt and a short timeout. Any HTTP answer, even a 404, means the network
is there. A hung name lookup cannot be interrupted, so each probe runs in a daemon thread and the
whole check gives up after ``DEADLINE_SECONDS``. It runs before Prefect's temporary server starts
(7-14 s), which is what lets `evidence refresh` without network fail in seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from pipeline.config import HttpSettings, Settings
from pipeline.errors import FetchError
from pipeline.http.client import HttpClient
from pipeline.http.reachability import SourceUnreachable, Unreachable, host_of

PROBE_TIMEOUT_SECONDS = 5.0
DEADLINE_SECONDS = 8.0


def check_sources(settings: Settings, sources: Iterable[str]) -> None:
    """Raise SourceUnreachable naming every selected source's host that cannot be reached."""
    targets = {}
    for name in sources:
        source = getattr(settings.sources, name)
        targets[name] = (str(source.base_url).rstrip("/"), source.http)
    failures = probe_all(targets.values(), settings.user_agent)
    if failures:
        raise SourceUnreachable(failures)


def probe_all(targets: Iterable[tuple[str, HttpSettings]], user_agent: str) -> list[Unreachable]:
    """Probe every target at once; the whole check ends within one deadline, even if a lookup hangs."""
    urls = []
    found: dict[int, Unreachable | None] = {}
    threads = []
    for n, (url, http) in enumerate(targets):
        thread = threading.Thread(target=_probe_into, args=(found, n, url, http, user_agent), daemon=True)
        thread.start()
        urls.append(url)
        threads.append(thread)
    deadline = time.monotonic() + DEADLINE_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    failures = []
    for n, url in enumerate(urls):
        if n not in found:
            cause = f"no answer in {DEADLINE_SECONDS:g} s (no network, or DNS or a firewall not answering)"
            failures.append(Unreachable(host_of(url), cause))
        elif (failure := found[n]) is not None:
            failures.append(failure)
    return failures


def probe(url: str, http: HttpSettings, user_agent: str) -> Unreachable | None:
    """Why ``url``'s host cannot be reached, or None when it answered anything at all."""
    quick = http.model_copy(
        update={
            "max_attempts": 1,
            "timeout_seconds": min(http.timeout_seconds, PROBE_TIMEOUT_SECONDS),
            "fail_fast": True,
        }
    )
    client = HttpClient(quick, user_agent)
    try:
        client.get(url)
    except SourceUnreachable as exc:
        return exc.failures[0]
    except FetchError:
        return None  # an error page or a refusal: the host answered, the run will deal with the rest
    finally:
        client.close()
    return None


def _probe_into(
    found: dict[int, Unreachable | None], n: int, url: str, http: HttpSettings, user_agent: str
) -> None:
    found[n] = probe(url, http, user_agent)
