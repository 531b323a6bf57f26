"""CtgovClient paging against the recorded-response server and against real recorded pages."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from pipeline.config import CtgovSettings, HttpSettings
from pipeline.errors import FetchError
from pipeline.sources.ctgov.client import CtgovClient
from tests.servers.ctgov_server import CtgovRecordedServer, expected_page_sizes
from tests.servers.fake_clock import FakeClock

UA = "migraine-evidence-pipeline/test (paging tests)"
FAST = HttpSettings(requests_per_second=1000.0, max_attempts=3, backoff_initial_seconds=0.5)


def make_client(base_url: str, page_size: int = 10, clock: FakeClock | None = None) -> CtgovClient:
    clock = clock or FakeClock()
    settings = CtgovSettings(base_url=base_url, page_size=page_size, condition="migraine", http=FAST)
    return CtgovClient(settings, UA, clock=clock)


@pytest.fixture(scope="module")
def studies(ctgov_fixture_studies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return ctgov_fixture_studies


@pytest.fixture
def server(studies: list[dict[str, Any]]) -> Iterator[CtgovRecordedServer]:
    with CtgovRecordedServer(studies, empty_page_at=3) as srv:
        yield srv


def nct(study: dict[str, Any]) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def test_pages_through_everything_including_an_empty_middle_page(
    server: CtgovRecordedServer, studies: list[dict[str, Any]]
) -> None:
    pages = list(make_client(server.base_url).iter_pages())
    # 10 a page plus the empty third page: [10, 10, 0, 10, 10, 7] for the 47 shared studies
    assert [len(p.parsed.nct_ids) for p in pages] == expected_page_sizes(len(studies), 10, empty_page_at=3)
    assert [p.parsed.total_count for p in pages] == [len(studies)] + [None] * (len(pages) - 1)
    assert all(p.parsed.next_page_token for p in pages[:-1])
    assert pages[-1].parsed.next_page_token is None
    received = [i for p in pages for i in p.parsed.nct_ids]
    assert received == [nct(s) for s in studies]
    assert all(p.status == 200 for p in pages)


def test_every_page_repeats_the_first_pages_params(server: CtgovRecordedServer) -> None:
    pages = list(
        make_client(server.base_url).iter_pages(
            {"filter.advanced": "AREA[LastUpdatePostDate]RANGE[2000-01-01,MAX]"}
        )
    )
    served = server.studies_requests()
    assert len(served) == len(pages)
    first = served[0].params
    assert "pageToken" not in first
    assert first["query.cond"] == "migraine"
    assert first["pageSize"] == "10"
    assert first["countTotal"] == "true"
    assert first["format"] == "json"
    for request, previous in zip(served[1:], pages, strict=False):
        assert {k: v for k, v in request.params.items() if k != "pageToken"} == first
        assert request.params["pageToken"] == previous.parsed.next_page_token


def test_page_bodies_are_the_bytes_served(server: CtgovRecordedServer) -> None:
    pages = list(make_client(server.base_url, page_size=20).iter_pages())
    assert [p.body for p in pages] == [r.body for r in server.studies_requests()]


def test_incremental_filter_only_returns_recently_updated_studies(
    server: CtgovRecordedServer, studies: list[dict[str, Any]]
) -> None:
    since = "2025-01-01"
    expected = [
        nct(s)
        for s in studies
        if s["protocolSection"].get("statusModule", {}).get("lastUpdatePostDateStruct", {}).get("date", "")
        >= since
    ]
    assert expected  # the fixtures hold studies updated in 2025 and 2026
    pages = list(
        make_client(server.base_url).iter_pages(
            {"filter.advanced": f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"}
        )
    )
    assert pages[0].parsed.total_count == len(expected)
    assert [i for p in pages for i in p.parsed.nct_ids] == expected


def test_extra_params_may_not_override_paging_params(server: CtgovRecordedServer) -> None:
    with pytest.raises(FetchError, match="may not override pageSize"):
        next(make_client(server.base_url).iter_pages({"pageSize": 5}))


def test_version_reports_api_version_and_data_timestamp(server: CtgovRecordedServer) -> None:
    assert make_client(server.base_url).version() == {
        "apiVersion": server.api_version,
        "dataTimestamp": server.data_timestamp,
    }


def test_user_agent_is_sent_on_every_request(server: CtgovRecordedServer) -> None:
    list(make_client(server.base_url).iter_pages())
    assert {r.headers["User-Agent"] for r in server.requests} == {UA}


# -- real recorded pages, served as-is ----------------------------------------------------------------


def test_real_first_and_next_pages_parse(fixtures_dir: Path, httpserver: HTTPServer) -> None:
    """A real first page (totalCount, nextPageToken) and the real page fetched with that token."""
    folder = fixtures_dir / "ctgov" / "field-subset-pages"
    first = (folder / "search_phelan_limit5_20260811.json").read_bytes()
    second = (folder / "search_phelan_next_20260811.json").read_bytes()
    first_token = "ZVt07cGHkvI2wRk2CJf6_LLq14bEL8swd7KrgP4dnDeTsPkw"  # as recorded in `first`
    params = {"query.cond": "migraine", "pageSize": "5", "countTotal": "true", "format": "json"}
    httpserver.expect_ordered_request("/api/v2/studies", query_string=params).respond_with_data(
        first, content_type="application/json"
    )
    httpserver.expect_ordered_request(
        "/api/v2/studies", query_string={**params, "pageToken": first_token}
    ).respond_with_data(second, content_type="application/json")

    client = make_client(httpserver.url_for("/api/v2"), page_size=5)
    p1, p2 = itertools.islice(client.iter_pages(), 2)

    assert p1.parsed.total_count == 21
    assert p1.parsed.next_page_token == first_token
    assert p1.parsed.nct_ids == ("NCT02710084", "NCT05105685", "NCT01525901", "NCT03493607", "NCT07119606")
    assert p1.body == first
    assert p2.parsed.total_count is None
    assert p2.parsed.nct_ids == ("NCT05187377", "NCT03836300", "NCT07014020", "NCT05025241", "NCT07281079")
    assert p2.parsed.next_page_token == "ZVt07cGHkvI2wRk2CJf6_LLq14bEL8swd7KrgP4bmjeauvk_IQ"
    assert p2.body == second
    assert p2.params["pageToken"] == first_token
    assert len(httpserver.log) == 2
