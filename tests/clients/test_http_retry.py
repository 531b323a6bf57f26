"""The shared HTTP layer against a real local HTTP server: retries, waits, give-up messages."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import orjson
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.errors import FetchError
from pipeline.http.client import RequestRejected
from pipeline.http.retry import ErrorBody, InvalidBody
from tests.servers.fake_clock import FakeClock
from tests.servers.http_test_client import UA, make_client, sequence


def ok_json(data: object) -> Response:
    return Response(orjson.dumps(data), status=200, mimetype="application/json")


def parse_object(body: bytes) -> dict:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidBody("not JSON") from None
    if not isinstance(data, dict):
        raise InvalidBody("not an object")
    return data


def test_429_waits_exactly_the_retry_after_seconds(httpserver: HTTPServer) -> None:
    limited = Response("slow down", status=429, headers={"Retry-After": "7"})
    httpserver.expect_request("/x").respond_with_handler(sequence(limited, ok_json({"ok": 1})))
    clock = FakeClock()
    result = make_client(clock).get(httpserver.url_for("/x"), validate=parse_object)
    assert result.parsed == {"ok": 1}
    assert result.attempts == 2
    assert clock.sleeps == [7.0]
    assert len(httpserver.log) == 2


def test_retry_after_as_http_date_is_honoured(httpserver: HTTPServer) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    limited = Response("slow down", status=503, headers={"Retry-After": when})
    httpserver.expect_request("/x").respond_with_handler(sequence(limited, ok_json({})))
    clock = FakeClock()
    make_client(clock).get(httpserver.url_for("/x"))
    assert len(clock.sleeps) == 1
    assert 17.0 <= clock.sleeps[0] <= 20.0


def test_retry_after_is_capped_by_backoff_max(httpserver: HTTPServer) -> None:
    limited = Response("slow down", status=429, headers={"Retry-After": "3600"})
    httpserver.expect_request("/x").respond_with_handler(sequence(limited, ok_json({})))
    clock = FakeClock()
    make_client(clock, backoff_max_seconds=12.0).get(httpserver.url_for("/x"))
    assert clock.sleeps == [12.0]


def test_503_storm_then_success_backs_off_exponentially_with_jitter(httpserver: HTTPServer) -> None:
    busy = Response("busy", status=503)
    httpserver.expect_request("/x").respond_with_handler(sequence(busy, busy, busy, ok_json({"n": 3})))
    clock = FakeClock()
    result = make_client(clock, max_attempts=4).get(httpserver.url_for("/x"), validate=parse_object)
    assert result.parsed == {"n": 3}
    assert result.attempts == 4
    assert len(clock.sleeps) == 3
    # initial 1 s doubling, plus up to 1 s of jitter
    for slept, base in zip(clock.sleeps, (1.0, 2.0, 4.0), strict=True):
        assert base <= slept <= base + 1.0


def test_503_storm_beyond_max_attempts_raises_one_line_fetch_error(httpserver: HTTPServer) -> None:
    html = "<html>\n<body>\n<h1>503 Service Unavailable</h1>\n</body>\n</html>"
    httpserver.expect_request("/studies").respond_with_response(Response(html, status=503))
    clock = FakeClock()
    client = make_client(clock, max_attempts=3)
    with pytest.raises(FetchError) as info:
        client.get(httpserver.url_for("/studies"), {"query.cond": "migraine"})
    message = str(info.value)
    assert "\n" not in message
    assert "/studies?query.cond=migraine" in message
    assert "HTTP 503" in message
    assert "after 3 attempts" in message
    assert len(httpserver.log) == 3
    assert len(clock.sleeps) == 2


def test_400_fails_at_once_with_the_api_error_text(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/studies").respond_with_data(
        "`filter.phase` is unknown parameter", status=400, content_type="text/plain"
    )
    clock = FakeClock()
    with pytest.raises(FetchError, match=r"HTTP 400: `filter.phase` is unknown parameter"):
        make_client(clock).get(httpserver.url_for("/studies"), {"filter.phase": "PHASE3"})
    assert len(httpserver.log) == 1
    assert clock.sleeps == []


def test_invalid_body_is_retried_then_reported(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data('{"studies": [', content_type="application/json")
    clock = FakeClock()
    with pytest.raises(FetchError, match=r"after 4 attempts \(HTTP 200\): unusable body: not JSON"):
        make_client(clock).get(httpserver.url_for("/x"), validate=parse_object)
    assert len(httpserver.log) == 4


def test_invalid_body_then_good_body_succeeds(httpserver: HTTPServer) -> None:
    broken = Response("[1, 2", status=200, mimetype="application/json")
    httpserver.expect_request("/x").respond_with_handler(sequence(broken, ok_json({"fine": True})))
    result = make_client(FakeClock()).get(httpserver.url_for("/x"), validate=parse_object)
    assert result.parsed == {"fine": True}
    assert result.attempts == 2


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A slow answer must not hold the retry behind it in a single-threaded server's queue."""
    with HTTPServer(threaded=True) as server:
        yield server


def test_timeout_is_retried(threaded_server: HTTPServer) -> None:
    httpserver = threaded_server
    calls = []

    def handler(_request: Request) -> Response:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.6)
        return ok_json({"late": len(calls)})

    httpserver.expect_request("/slow").respond_with_handler(handler)
    clock = FakeClock()
    result = make_client(clock, timeout_seconds=0.2).get(httpserver.url_for("/slow"), validate=parse_object)
    assert result.attempts == 2
    assert len(clock.sleeps) == 1


def test_connection_refused_is_retried_then_reported() -> None:
    clock = FakeClock()
    with pytest.raises(FetchError, match=r"after 3 attempts \(no response\): ConnectionError"):
        make_client(clock, max_attempts=3).get("http://127.0.0.1:9/nothing")
    assert len(clock.sleeps) == 2


def test_user_agent_is_sent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x", headers={"User-Agent": UA}).respond_with_json({})
    make_client(FakeClock()).get(httpserver.url_for("/x"))
    assert httpserver.log[0][0].headers["User-Agent"] == UA


def test_secrets_never_reach_the_error_message(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/esearch").respond_with_data("down", status=502)
    params = {"term": "migraine", "api_key": "s3cr3t-key", "email": "me@example.org"}
    with pytest.raises(FetchError) as info:
        make_client(FakeClock(), max_attempts=2).get(httpserver.url_for("/esearch"), params)
    message = str(info.value)
    assert "s3cr3t-key" not in message
    assert "me@example.org" not in message
    assert "term=migraine" in message


def test_each_retry_is_logged(httpserver: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    httpserver.expect_request("/x").respond_with_handler(sequence(Response("busy", status=500), ok_json({})))
    with caplog.at_level(logging.WARNING, logger="pipeline.http.retry"):
        make_client(FakeClock()).get(httpserver.url_for("/x"))
    retry_lines = [r.getMessage() for r in caplog.records if r.name == "pipeline.http.retry"]
    assert len(retry_lines) == 1
    assert "HTTP 500" in retry_lines[0]
    assert "attempt 1/4" in retry_lines[0]


def test_secrets_in_network_errors_are_redacted() -> None:
    params = {"term": "migraine", "api_key": "s3cr3t-key"}
    with pytest.raises(FetchError) as info:
        make_client(FakeClock(), max_attempts=2).get("http://127.0.0.1:9/esearch", params)
    assert "ConnectionError" in str(info.value)
    assert "s3cr3t-key" not in str(info.value)


def test_urllib3_request_lines_are_logged_without_secrets(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/efetch").respond_with_data("<ok/>")
    with caplog.at_level(logging.DEBUG, logger="urllib3.connectionpool"):
        make_client(FakeClock()).get(httpserver.url_for("/efetch"), {"id": "1", "api_key": "s3cr3t-key"})
    lines = [r.getMessage() for r in caplog.records if r.name == "urllib3.connectionpool"]
    assert any("/efetch?id=1&api_key=***" in line for line in lines)
    assert not [line for line in lines if "s3cr3t-key" in line]


def parse_or_server_error(body: bytes) -> dict:
    """A validator that tells the server's own error message from a body cut short."""
    data = parse_object(body)
    if "error" in data:
        raise ErrorBody(f"server error: {data['error']}")
    return data


def test_an_error_body_on_every_attempt_is_a_refusal(httpserver: HTTPServer) -> None:
    """The server answered each time, refusing: callers may ask differently (e.g. PubMed by PMID)."""
    httpserver.expect_request("/x").respond_with_response(ok_json({"error": "Cannot retrieve history"}))
    with pytest.raises(RequestRejected, match=r"failed after 3 attempts \(HTTP 200\).*Cannot retrieve"):
        make_client(FakeClock(), max_attempts=3).get(httpserver.url_for("/x"), validate=parse_or_server_error)
    assert len(httpserver.log) == 3


def test_an_error_body_that_passes_is_retried_like_any_bad_body(httpserver: HTTPServer) -> None:
    flaky = sequence(ok_json({"error": "busy"}), ok_json({"ok": 1}))
    httpserver.expect_request("/x").respond_with_handler(flaky)
    result = make_client(FakeClock()).get(httpserver.url_for("/x"), validate=parse_or_server_error)
    assert result.parsed == {"ok": 1} and result.attempts == 2


def test_bodies_cut_short_on_every_attempt_are_not_a_refusal(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_response(Response("{", status=200))
    with pytest.raises(FetchError, match="not JSON") as raised:
        make_client(FakeClock(), max_attempts=2).get(httpserver.url_for("/x"), validate=parse_or_server_error)
    assert not isinstance(raised.value, RequestRejected)
