"""HttpClient.post against a real local HTTP server: form body, same retries, limiter and redaction as GET."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import orjson
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.errors import FetchError
from pipeline.http.client import HttpClient
from pipeline.http.retry import InvalidBody
from tests.servers.fake_clock import FakeClock
from tests.servers.http_test_client import UA, sequence
from tests.servers.http_test_client import make_client as _make_client

KEY = "s3cr3t-key-0123456789"
EMAIL = "me@example.org"
FORM = {"db": "pubmed", "term": "migraine[MeSH Terms] AND erenumab[tiab]", "api_key": KEY, "email": EMAIL}


def make_client(clock: FakeClock, **overrides: float) -> HttpClient:
    return _make_client(clock, **{"max_attempts": 3, **overrides})


def echo_form(status: int):
    """A server that repeats the form it received in its body, as a careless error page might."""

    def handler(request: Request) -> Response:
        return Response(f"bad request: {request.get_data(as_text=True)}", status=status)

    return handler


def parse_object(body: bytes) -> dict:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidBody(f"not JSON: {body[:80].decode(errors='replace')}") from None
    return data


def test_post_sends_a_form_body_and_nothing_in_the_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/esearch", method="POST").respond_with_json({"ok": 1})
    url = httpserver.url_for("/esearch")
    result = make_client(FakeClock()).post(url, FORM, validate=parse_object)

    (request, _), *_ = httpserver.log
    assert request.method == "POST" and request.query_string == b""
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["User-Agent"] == UA
    assert {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()} == FORM
    assert result.parsed == {"ok": 1} and result.status == 200 and result.attempts == 1
    assert result.url == url
    # What the raw zone stores: the key dropped, the e-mail redacted, the rest as sent.
    assert result.params == {"db": "pubmed", "term": FORM["term"], "email": "***"}


def test_post_url_query_secrets_are_redacted_in_the_result(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/efetch", method="POST").respond_with_data("<ok/>")
    result = make_client(FakeClock()).post(httpserver.url_for("/efetch") + f"?api_key={KEY}", {"id": "1"})
    assert result.url.endswith("/efetch?api_key=***")


def test_post_retries_like_get_and_resends_the_form(httpserver: HTTPServer) -> None:
    limited = Response("slow down", status=429, headers={"Retry-After": "7"})
    busy = Response("busy", status=503)
    broken = Response("{cut", status=200)
    httpserver.expect_request("/x", method="POST").respond_with_handler(
        sequence(limited, busy, broken, Response(orjson.dumps({"n": 4}), status=200))
    )
    clock = FakeClock()
    result = make_client(clock, max_attempts=4).post(httpserver.url_for("/x"), FORM, validate=parse_object)
    assert result.parsed == {"n": 4} and result.attempts == 4
    assert clock.sleeps[0] == 7.0 and len(clock.sleeps) == 3
    bodies = {request.get_data() for request, _ in httpserver.log}
    assert len(httpserver.log) == 4 and len(bodies) == 1


def test_post_that_keeps_failing_is_one_fetch_error_line(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x", method="POST").respond_with_response(
        Response("<html>\n<h1>502</h1>\n</html>", status=502)
    )
    url = httpserver.url_for("/x")
    with pytest.raises(FetchError) as info:
        make_client(FakeClock()).post(url, FORM)
    message = str(info.value)
    assert message.startswith(f"POST {url} failed after 3 attempts (HTTP 502)")
    assert "\n" not in message
    assert len(httpserver.log) == 3


def test_get_and_post_share_one_rate_limiter(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_json({})
    clock = FakeClock()
    client = make_client(clock, requests_per_second=2.0)
    client.get(httpserver.url_for("/x"))
    client.post(httpserver.url_for("/x"), {"a": "1"})
    client.get(httpserver.url_for("/x"))
    assert clock.sleeps == [0.5, 0.5]


@pytest.mark.parametrize("status", [400, 503])
def test_echoed_secrets_are_scrubbed_from_fetch_errors(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    httpserver.expect_request("/x", method="POST").respond_with_handler(echo_form(status))
    with caplog.at_level(logging.WARNING, logger="pipeline.http.retry"), pytest.raises(FetchError) as info:
        make_client(FakeClock(), max_attempts=2).post(httpserver.url_for("/x"), FORM)
    message = str(info.value)
    assert f"HTTP {status}" in message and "bad request: db=pubmed" in message
    assert "api_key=***" in message
    for leaked in (KEY, EMAIL, "me%40example.org"):
        assert leaked not in message
        assert not [r for r in caplog.records if leaked in r.getMessage()]


def test_echoed_secrets_are_scrubbed_from_invalid_body_reasons(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    # A 200 whose body the validator rejects, quoting it: the key appears raw, not as api_key=...
    httpserver.expect_request("/x", method="POST").respond_with_data(f"key {KEY} is not valid")
    with caplog.at_level(logging.WARNING, logger="pipeline.http.retry"), pytest.raises(FetchError) as info:
        make_client(FakeClock(), max_attempts=2).post(httpserver.url_for("/x"), FORM, validate=parse_object)
    assert "unusable body: not JSON: key *** is not valid" in str(info.value)
    retry_lines = [r.getMessage() for r in caplog.records if r.name == "pipeline.http.retry"]
    assert len(retry_lines) == 1 and "key *** is not valid" in retry_lines[0]
