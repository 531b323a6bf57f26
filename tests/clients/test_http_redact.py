"""Secret redaction owned by the HTTP layer: names in text, echoed values, urllib3's request lines."""

from __future__ import annotations

import logging

import pytest

from pipeline.http.redact import (
    URLLIB3_LOGGER,
    RedactSecretsFilter,
    install_log_redaction,
    redact_params,
    redact_text,
    scrub_values,
    secret_values,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /e?term=x&api_key=abc123 HTTP/1.1", "GET /e?term=x&api_key=*** HTTP/1.1"),
        ("body was db=pubmed&API_KEY=abc123&email=a%40b.org", "body was db=pubmed&API_KEY=***&email=***"),
        ("api_key=abc123", "api_key=***"),
        ("<ERROR>token=t0k</ERROR>", "<ERROR>token=***</ERROR>"),
        ("monkey=banana&pageToken=next", "monkey=banana&pageToken=next"),  # not secret names
    ],
)
def test_redact_text_hides_secret_assignments(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_secret_values_cover_encoded_forms_and_skip_trivial_ones() -> None:
    found = secret_values({"api_key": "k3y/ab+c", "email": "a b@x.org", "key": "1", "term": "migraine"})
    assert set(found) == {"k3y/ab+c", "k3y%2Fab%2Bc", "a b@x.org", "a%20b%40x.org", "a+b%40x.org"}
    assert list(found) == sorted(found, key=len, reverse=True)  # longest first: no partial replacement
    assert secret_values({"term": "migraine", "api_key": None}) == ()


def test_scrub_values_replaces_every_occurrence() -> None:
    secrets = secret_values({"api_key": "k3y-0123"})
    assert scrub_values('{"error": "bad key k3y-0123", "echo": "k3y-0123"}', secrets) == (
        '{"error": "bad key ***", "echo": "***"}'
    )


def test_redact_params_keeps_names_and_hides_values() -> None:
    assert redact_params({"term": "m", "Api_Key": "k", "email": "e"}) == {
        "term": "m",
        "Api_Key": "***",
        "email": "***",
    }


def test_filter_rewrites_formatted_urllib3_records(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    install_log_redaction()
    target = logging.getLogger(URLLIB3_LOGGER)
    assert sum(isinstance(f, RedactSecretsFilter) for f in target.filters) == 1
    with caplog.at_level(logging.DEBUG, logger=URLLIB3_LOGGER):
        target.debug('%s://%s:%s "%s %s %s" %s', "https", "host", 443, "GET", "/e?api_key=abc123", "1.1", 200)
        target.debug("plain %s", "line")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ['https://host:443 "GET /e?api_key=*** 1.1" 200', "plain line"]
