"""What counts as a usable studies page; anything else is retried and never stored."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from pipeline.config import CtgovSettings, HttpSettings
from pipeline.errors import FetchError
from pipeline.http.retry import InvalidBody
from pipeline.sources.ctgov.client import CtgovClient
from pipeline.sources.ctgov.pages import parse_studies_page, parse_version
from tests.servers.fake_clock import FakeClock

STUDY = b'{"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}'


def test_a_page_gives_ids_total_and_token() -> None:
    parsed = parse_studies_page(b'{"studies": [' + STUDY + b'], "totalCount": 1, "nextPageToken": "t1"}')
    assert parsed.nct_ids == ("NCT00000001",)
    assert parsed.total_count == 1
    assert parsed.next_page_token == "t1"


def test_an_empty_page_is_a_page() -> None:
    parsed = parse_studies_page(b'{"studies": []}')
    assert (parsed.nct_ids, parsed.total_count, parsed.next_page_token) == ((), None, None)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"studies": [', "not valid JSON"),
        (b"<html>Service maintenance</html>", "not valid JSON"),
        (b"[]", "no 'studies' list"),
        (b'{"message": "error"}', "no 'studies' list"),
        (b'{"studies": {}}', "no 'studies' list"),
        (b'{"studies": [], "totalCount": "12"}', "totalCount is not a count"),
        (b'{"studies": [], "totalCount": true}', "totalCount is not a count"),
        (b'{"studies": [], "nextPageToken": ""}', "nextPageToken is not a token"),
        (b'{"studies": [{"protocolSection": {}}]}', "no protocolSection.identificationModule.nctId"),
    ],
)
def test_unusable_pages_are_invalid_bodies(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidBody, match=reason):
        parse_studies_page(body)


def test_version_needs_both_fields() -> None:
    assert (
        parse_version(b'{"apiVersion": "2.0.5", "dataTimestamp": "2026-08-11T09:00:00"}')["apiVersion"]
        == "2.0.5"
    )
    with pytest.raises(InvalidBody, match="apiVersion/dataTimestamp"):
        parse_version(b'{"apiVersion": "2.0.5"}')


def test_a_token_that_comes_back_twice_stops_paging(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/studies").respond_with_data(
        b'{"studies": [' + STUDY + b'], "totalCount": 5, "nextPageToken": "same"}',
        content_type="application/json",
    )
    clock = FakeClock()
    settings = CtgovSettings(
        base_url=httpserver.url_for("/api/v2"), http=HttpSettings(requests_per_second=1000.0)
    )
    client = CtgovClient(settings, "ua", clock=clock)
    with pytest.raises(FetchError, match="paging loop: nextPageToken 'same' came back twice"):
        list(client.iter_pages())
    assert len(httpserver.log) == 2
