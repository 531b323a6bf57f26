"""CtgovClient under injected faults from the recorded-response server: retry, then fail loudly."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.config import CtgovSettings, HttpSettings
from pipeline.errors import FetchError
from pipeline.sources.ctgov.client import CtgovClient
from tests.servers.ctgov_server import CtgovRecordedServer, Fault, expected_page_sizes
from tests.servers.fake_clock import FakeClock

UA = "migraine-evidence-pipeline/test (fault tests)"


@pytest.fixture
def studies(ctgov_fixture_studies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return ctgov_fixture_studies


@pytest.fixture
def server(ctgov_server: CtgovRecordedServer) -> CtgovRecordedServer:
    return ctgov_server


def make_client(
    server: CtgovRecordedServer, clock: FakeClock, *, max_attempts: int = 4, timeout: float = 5.0
) -> CtgovClient:
    http = HttpSettings(
        requests_per_second=1000.0,
        max_attempts=max_attempts,
        timeout_seconds=timeout,
        backoff_initial_seconds=1.0,
        backoff_max_seconds=60.0,
    )
    settings = CtgovSettings(base_url=server.base_url, page_size=20, http=http)
    return CtgovClient(settings, UA, clock=clock)


def retry_waits(clock: FakeClock) -> list[float]:
    """Sleeps of the retry policy (>= 1 s here), not the rate limiter's 1 ms spacing between pages."""
    return [s for s in clock.sleeps if s >= 0.5]


def total_received(client: CtgovClient) -> int:
    return sum(len(p.parsed.nct_ids) for p in client.iter_pages())


def test_429_with_retry_after_is_honoured(server: CtgovRecordedServer) -> None:
    server.inject(Fault("429", retry_after=3))
    clock = FakeClock()
    assert total_received(make_client(server, clock)) == len(server.studies)
    assert retry_waits(clock) == [3.0]
    n_pages = len(expected_page_sizes(len(server.studies), 20))
    assert [r.status for r in server.studies_requests()] == [429] + [200] * n_pages


def test_503_storm_then_success(server: CtgovRecordedServer) -> None:
    server.inject("503", "503", "503")
    clock = FakeClock()
    assert total_received(make_client(server, clock)) == len(server.studies)
    assert len(retry_waits(clock)) == 3
    assert server.pending_faults() == 0


def test_503_storm_beyond_max_attempts_fails_with_one_line(server: CtgovRecordedServer) -> None:
    server.inject(*["503"] * 4)
    with pytest.raises(FetchError) as info:
        total_received(make_client(server, FakeClock(), max_attempts=4))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"GET {server.base_url}/studies?query.cond=migraine")
    assert "failed after 4 attempts (HTTP 503)" in message
    assert len(server.studies_requests()) == 4


def test_truncated_body_is_retried(server: CtgovRecordedServer) -> None:
    server.inject("truncated")
    clock = FakeClock()
    pages = list(make_client(server, clock).iter_pages())
    assert sum(len(p.parsed.nct_ids) for p in pages) == len(server.studies)
    served = server.studies_requests()
    assert served[0].fault == "truncated"
    assert pages[0].body == served[1].body  # the stored page is the complete retry, not the cut one
    assert len(retry_waits(clock)) == 1


def test_malformed_page_is_retried(server: CtgovRecordedServer) -> None:
    server.inject("malformed", "not_a_page")
    pages = list(make_client(server, FakeClock()).iter_pages())
    assert sum(len(p.parsed.nct_ids) for p in pages) == len(server.studies)
    assert [r.fault for r in server.studies_requests()][:3] == ["malformed", "not_a_page", None]


def test_malformed_page_on_every_attempt_raises_fetch_error(server: CtgovRecordedServer) -> None:
    server.inject(*["malformed"] * 3)
    with pytest.raises(FetchError, match=r"after 3 attempts \(HTTP 200\): unusable body: not valid JSON"):
        total_received(make_client(server, FakeClock(), max_attempts=3))


def test_fault_on_a_later_page_retries_that_page_with_the_same_token(server: CtgovRecordedServer) -> None:
    client = make_client(server, FakeClock())
    pages = client.iter_pages()
    first = next(pages)
    server.inject("502")
    rest = list(pages)
    served = server.studies_requests()
    assert served[1].status == 502
    assert served[1].params["pageToken"] == served[2].params["pageToken"] == first.parsed.next_page_token
    assert len(first.parsed.nct_ids) + sum(len(p.parsed.nct_ids) for p in rest) == len(server.studies)


def test_timeout_is_retried(server: CtgovRecordedServer) -> None:
    server.inject(Fault("slow", delay=0.8))
    clock = FakeClock()
    pages = list(make_client(server, clock, timeout=0.25).iter_pages())
    assert sum(len(p.parsed.nct_ids) for p in pages) == len(server.studies)
    assert len(retry_waits(clock)) == 1


def test_version_faults_are_retried_too(server: CtgovRecordedServer) -> None:
    server.inject("500", endpoint="version")
    clock = FakeClock()
    assert make_client(server, clock).version()["dataTimestamp"] == server.data_timestamp
    assert len(retry_waits(clock)) == 1


def test_changed_params_on_a_later_page_are_rejected_without_retry(server: CtgovRecordedServer) -> None:
    """The server enforces what the client relies on: a 400 is final, not retried."""
    client = make_client(server, FakeClock())
    first = next(client.iter_pages())
    url = f"{server.base_url}/studies"
    params = {**client.search_params(), "pageSize": 5, "pageToken": first.parsed.next_page_token}
    with pytest.raises(FetchError, match=r"rejected with HTTP 400: the parameters of a next-page request"):
        client.http.get(url, params)
    assert server.studies_requests()[-1].status == 400
    assert len(server.studies_requests()) == 2
