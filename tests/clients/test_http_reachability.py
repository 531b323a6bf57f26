"""A host that cannot be reached: named in one line at once on interactive runs, retried on scheduled ones.

Hosts under the reserved ``.invalid`` TLD never resolve (RFC 6761); a port just closed on 127.0.0.1
refuses. Neither needs network, and neither hangs here (the preflight's deadline covers a hanging DNS).
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from pytest_httpserver import HTTPServer as PytestHTTPServer

from pipeline.config import HttpSettings, Settings, TreatmentClass
from pipeline.errors import FetchError
from pipeline.http import preflight
from pipeline.http.reachability import SourceUnreachable, classify, for_interactive_run
from tests.servers.fake_clock import FakeClock
from tests.servers.http_test_client import make_client

UNRESOLVABLE = "https://clinicaltrials.invalid/api/v2"


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def plain_http_port() -> Iterator[int]:
    """A server speaking plain HTTP, so an https:// request to it fails its TLS handshake."""
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


def failure_of(url: str, **overrides: float) -> BaseException:
    client = make_client(FakeClock(), max_attempts=1, **overrides)
    with pytest.raises(FetchError) as caught:
        client.get(url)
    return caught.value


def test_first_request_to_an_unresolvable_host_stops_at_once_naming_it() -> None:
    clock = FakeClock()
    client = make_client(clock, max_attempts=6, fail_fast=True)
    with pytest.raises(SourceUnreachable) as caught:
        client.get(f"{UNRESOLVABLE}/version")
    message = str(caught.value)
    assert message.startswith("cannot reach clinicaltrials.invalid: name not found")
    assert "HTTPS_PROXY" in message and "evidence demo" in message
    assert "\n" not in message and len(message) < 200
    assert clock.sleeps == []  # not one retry


def test_without_fail_fast_the_same_failure_is_retried_as_before() -> None:
    clock = FakeClock()
    client = make_client(clock, max_attempts=3)
    with pytest.raises(FetchError) as caught:
        client.get(f"{UNRESOLVABLE}/version")
    assert not isinstance(caught.value, SourceUnreachable)
    assert "failed after 3 attempts" in str(caught.value)
    assert len(clock.sleeps) == 2


def test_a_refused_connection_names_host_and_port(closed_port: int) -> None:
    exc = failure_of(f"http://127.0.0.1:{closed_port}/api/v2/version", fail_fast=True)
    assert isinstance(exc, SourceUnreachable)
    assert str(exc).startswith(f"cannot reach 127.0.0.1:{closed_port}: connection refused")


def test_a_failed_tls_handshake_is_named(plain_http_port: int) -> None:
    exc = failure_of(f"https://127.0.0.1:{plain_http_port}/", fail_fast=True)
    assert isinstance(exc, SourceUnreachable)
    assert "TLS handshake failed" in str(exc) and "REQUESTS_CA_BUNDLE" in str(exc)


def test_the_proxy_from_the_environment_is_used_and_named(monkeypatch, closed_port: int) -> None:
    """requests honours HTTP(S)_PROXY: an unreachable proxy is reported as such, not as the target."""
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    exc = failure_of("http://registry.invalid/api/v2/version", fail_fast=True)
    assert isinstance(exc, SourceUnreachable)
    assert f"proxy 127.0.0.1:{closed_port} unreachable" in str(exc)
    assert "registry.invalid" in str(exc)


def test_fail_fast_only_covers_a_host_that_never_answered(httpserver: PytestHTTPServer) -> None:
    """Once the host has answered, a later connection failure is a passing fault: retried as ever."""
    httpserver.expect_request("/x").respond_with_data("ok")
    clock = FakeClock()
    client = make_client(clock, max_attempts=2, fail_fast=True)
    client.get(httpserver.url_for("/x"))
    httpserver.stop()
    try:
        with pytest.raises(FetchError) as caught:
            client.get(httpserver.url_for("/x"))
    finally:
        httpserver.start()
    assert not isinstance(caught.value, SourceUnreachable)
    assert "failed after 2 attempts" in str(caught.value)


def test_answers_and_passing_faults_are_not_classified_as_unreachable() -> None:
    assert classify(TimeoutError("read timed out"), UNRESOLVABLE, 5) is None
    assert classify(ssl.SSLError("bad record"), UNRESOLVABLE, 5) is None  # not wrapped by requests


def settings_with(ctgov_url: str, pubmed_url: str) -> Settings:
    return Settings.model_validate(
        {
            "sources": {"ctgov": {"base_url": ctgov_url}, "pubmed": {"base_url": pubmed_url}},
            "treatment_classes": {"gepant": TreatmentClass(label="Gepants", terms=["gepant"])},
        }
    )


def test_preflight_names_every_unreachable_source_in_one_line(closed_port: int) -> None:
    settings = settings_with(UNRESOLVABLE, f"http://127.0.0.1:{closed_port}/entrez/eutils")
    with pytest.raises(SourceUnreachable) as caught:
        preflight.check_sources(settings, ["ctgov", "pubmed"])
    message = str(caught.value)
    assert "\n" not in message
    assert "clinicaltrials.invalid: name not found" in message
    assert f"127.0.0.1:{closed_port}: connection refused" in message
    assert message.endswith("Without network, try `evidence demo`.")


def test_preflight_probes_only_the_selected_sources(closed_port: int) -> None:
    preflight.check_sources(settings_with(UNRESOLVABLE, "https://x.invalid/e"), [])
    with pytest.raises(SourceUnreachable, match=r"x\.invalid") as caught:
        preflight.check_sources(settings_with("http://127.0.0.1:1/", "https://x.invalid/e"), ["pubmed"])
    assert "127.0.0.1" not in str(caught.value)


def test_any_http_answer_means_reachable(httpserver: PytestHTTPServer) -> None:
    """The probe GETs the base URL: a 404 or a 503 there still proves the network is there."""
    httpserver.expect_request("/api/v2").respond_with_data("no such page", status=404)
    httpserver.expect_request("/entrez/eutils").respond_with_data("busy", status=503)
    settings = settings_with(httpserver.url_for("/api/v2"), httpserver.url_for("/entrez/eutils"))
    preflight.check_sources(settings, ["ctgov", "pubmed"])
    assert len(httpserver.log) == 2  # one request each, no retries


def test_preflight_gives_up_on_a_lookup_that_hangs(monkeypatch) -> None:
    """A name lookup cannot be interrupted: the probe thread is abandoned at the deadline."""
    release = threading.Event()
    monkeypatch.setattr(preflight, "probe", lambda *args: release.wait())
    monkeypatch.setattr(preflight, "DEADLINE_SECONDS", 0.05)
    try:
        failures = preflight.probe_all([(UNRESOLVABLE, HttpSettings())], "ua")
    finally:
        release.set()
    assert [(f.host, f.cause.split(" (")[0]) for f in failures] == [
        ("clinicaltrials.invalid", "no answer in 0.05 s")
    ]


def test_interactive_settings_fail_fast_on_every_source() -> None:
    settings = settings_with(UNRESOLVABLE, "https://x.invalid/e")
    assert not settings.sources.ctgov.http.fail_fast
    interactive = for_interactive_run(settings)
    assert interactive.sources.ctgov.http.fail_fast and interactive.sources.pubmed.http.fail_fast
    assert (
        interactive.sources.pubmed.http.requests_per_second
        == settings.sources.pubmed.http.requests_per_second
    )
