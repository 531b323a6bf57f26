"""Retry-After comes as seconds or as an HTTP-date; anything else is ignored, never fatal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.http.redact import redact_url
from pipeline.http.retry_after import parse_retry_after

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("Sat, 21 Nov 2026 12:00:30 GMT", 30.0),
        ("Sat, 21 Nov 2026 11:59:00 GMT", 0.0),  # already past: go now
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_redact_url_hides_keys_and_email_but_keeps_the_query() -> None:
    url = "https://eutils.example/esearch.fcgi?db=pubmed&term=migraine&api_key=abc123&email=a%40b.org"
    shown = redact_url(url)
    assert "abc123" not in shown
    assert "a%40b.org" not in shown
    assert "term=migraine" in shown
    assert "api_key=***" in shown
