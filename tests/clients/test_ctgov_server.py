"""The recorded-response server itself keeps the live API's paging rules (tests rely on them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import requests

from pipeline.demo.ctgov_api import load_studies
from tests.servers.corpus import RecordedCorpus
from tests.servers.ctgov_server import CtgovRecordedServer, Fault, expected_page_sizes, load_fixture_studies

BASE = {"query.cond": "migraine", "pageSize": "20", "countTotal": "true", "format": "json"}


@pytest.fixture
def studies(ctgov_fixture_studies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return ctgov_fixture_studies


@pytest.fixture
def server(ctgov_server: CtgovRecordedServer) -> CtgovRecordedServer:
    return ctgov_server


def get(server: CtgovRecordedServer, **params: str) -> requests.Response:
    return requests.get(f"{server.base_url}/studies", params=params, timeout=5)


def test_loader_reads_real_records_once_each(corpus: RecordedCorpus, studies: list[dict[str, Any]]) -> None:
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in studies]
    files = {p.stem for folder in corpus.ctgov_folders for p in folder.glob("NCT*.json")}
    assert len(ids) == len(set(ids)) == len(files)
    assert ids == sorted(ids)


def test_loader_refuses_a_folder_without_records(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no NCT"):
        load_studies([tmp_path])


def test_shared_sets_hold_47_studies_and_2_partial_ones(fixtures_dir: Path) -> None:
    assert len(load_fixture_studies(fixtures_dir)) == 47  # 35 migraine + 12 full records
    assert len(load_fixture_studies(fixtures_dir, sets=("partial",))) == 2


def test_page_sizes_expected_of_the_paging_rules() -> None:
    assert expected_page_sizes(47, 10, empty_page_at=3) == [10, 10, 0, 10, 10, 7]
    assert expected_page_sizes(38, 10, empty_page_at=2) == [10, 0, 10, 10, 8]
    assert expected_page_sizes(40, 20) == [20, 20]
    assert expected_page_sizes(0, 10) == [0]


def test_default_page_size_and_total_only_when_asked(server: CtgovRecordedServer) -> None:
    page = get(server, **{"query.cond": "migraine"}).json()
    assert len(page["studies"]) == 10
    assert "totalCount" not in page
    assert "nextPageToken" in page


def test_total_count_only_on_the_first_page(server: CtgovRecordedServer) -> None:
    first = get(server, **BASE).json()
    second = get(server, **BASE, pageToken=first["nextPageToken"]).json()
    assert first["totalCount"] == len(server.studies)
    assert "totalCount" not in second


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"pageSize": "ten"}, "pageSize must be an integer"),
        ({"pageSize": "0"}, "pageSize must be positive"),
        ({"format": "csv"}, "format=json only"),
        ({"filter.advanced": "AREA[Phase]PHASE3"}, "does not support filter.advanced"),
        ({"pageToken": "not-a-token"}, "invalid pageToken"),
    ],
)
def test_bad_requests_get_400_with_text(
    server: CtgovRecordedServer, params: dict[str, str], text: str
) -> None:
    response = get(server, **{**BASE, **params})
    assert response.status_code == 400
    assert text in response.text


def test_next_page_with_changed_params_is_400(server: CtgovRecordedServer) -> None:
    token = get(server, **BASE).json()["nextPageToken"]
    assert get(server, **{**BASE, "query.cond": "headache"}, pageToken=token).status_code == 400
    assert get(server, **BASE, pageToken=token).status_code == 200  # tokens stay valid for a retry


def test_token_on_full_last_page_leads_to_an_empty_last_page(studies: list[dict[str, Any]]) -> None:
    with CtgovRecordedServer(studies[:20], token_on_full_last_page=True) as server:
        first = get(server, **BASE).json()
        assert len(first["studies"]) == 20
        last = get(server, **BASE, pageToken=first["nextPageToken"]).json()
    assert last == {"studies": []}


def test_match_condition_narrows_to_migraine_studies(studies: list[dict[str, Any]]) -> None:
    with CtgovRecordedServer(studies, match_condition=True) as server:
        total = get(server, **BASE).json()["totalCount"]
    assert 0 < total < len(studies)


def test_faults_apply_in_order_then_stop(server: CtgovRecordedServer) -> None:
    server.inject(Fault("429", retry_after=2), "500", "not_a_page")
    first = get(server, **BASE)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "2")
    assert get(server, **BASE).status_code == 500
    assert "studies" not in orjson.loads(get(server, **BASE).content)
    assert len(get(server, **BASE).json()["studies"]) == 20
    assert [r.fault for r in server.requests] == ["429", "500", "not_a_page", None]


def test_unknown_fault_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("418")


def test_only_get_on_known_paths(server: CtgovRecordedServer) -> None:
    posted = requests.post(f"{server.base_url}/studies", data=BASE, timeout=5)
    assert (posted.status_code, posted.text) == (405, "method not allowed")
    unknown = requests.get(f"{server.base_url}/nothing-here", timeout=5)
    assert (unknown.status_code, unknown.text) == (404, "not found: /api/v2/nothing-here")
