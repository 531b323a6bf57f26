"""fetch_run: every page of a real paged search lands in the raw zone, reconciled, or the run fails."""

from __future__ import annotations

import gzip
import hashlib
import itertools
from pathlib import Path
from typing import Any

import orjson
import pytest

from pipeline.config import CtgovSettings, HttpSettings
from pipeline.errors import FetchError
from pipeline.raw.zone import RawRun, RawZone, new_run_id
from pipeline.sources.ctgov.client import CtgovClient
from pipeline.sources.ctgov.fetch import fetch_run
from pipeline.sources.ctgov.request import CtgovRequest
from tests.servers.ctgov_server import CtgovRecordedServer, expected_page_sizes
from tests.servers.fake_clock import FakeClock

UA = "migraine-evidence-pipeline/test (fetch_run tests)"


def make_client(server: CtgovRecordedServer, page_size: int = 10) -> CtgovClient:
    clock = FakeClock()
    http = HttpSettings(requests_per_second=1000.0, max_attempts=3, backoff_initial_seconds=1.0)
    settings = CtgovSettings(base_url=server.base_url, page_size=page_size, http=http)
    return CtgovClient(settings, UA, clock=clock)


def new_run(tmp_path: Path) -> RawRun:
    return RawZone(tmp_path / "raw").start_run("ctgov", new_run_id())


def nct(study: dict[str, Any]) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def test_writes_version_pages_and_manifest(ctgov_server: CtgovRecordedServer, tmp_path: Path) -> None:
    ctgov_server.empty_page_at = 2
    run = new_run(tmp_path)
    progress: list[tuple[int, int | None]] = []

    manifest = fetch_run(make_client(ctgov_server), run, on_page=lambda n, total: progress.append((n, total)))

    n = len(ctgov_server.studies)
    sizes = expected_page_sizes(n, 10, empty_page_at=2)  # [10, 0, 10, 10, 10, 7] for 47 shared studies
    assert run.complete
    assert manifest == run.manifest()
    assert manifest["complete"] is True
    assert manifest["total_count"] == manifest["n_records"] == manifest["n_unique_records"] == n
    assert manifest["n_pages"] == len(sizes)
    assert manifest["duplicate_nct_ids"] == {}
    assert manifest["api_version"] == ctgov_server.api_version
    assert manifest["data_timestamp"] == ctgov_server.data_timestamp
    assert manifest["request_params"] == {
        "query.cond": "migraine",
        "pageSize": 10,
        "countTotal": "true",
        "format": "json",
    }
    assert manifest["started_at"] <= manifest["finished_at"]
    assert progress == [(received, n) for received in itertools.accumulate(sizes)]

    files = [p["file"] for p in manifest["pages"]]
    assert files == ["version.json.gz"] + [f"page-{i:06d}.json.gz" for i in range(1, len(sizes) + 1)]
    assert [p["kind"] for p in manifest["pages"]] == ["version"] + ["page"] * len(sizes)
    assert sorted(f.name for f in run.path.glob("*.gz")) == sorted(files)

    served = [r for r in ctgov_server.requests if r.status == 200]
    assert [r.path.rsplit("/", 1)[1] for r in served] == ["version"] + ["studies"] * len(sizes)
    for record, request in zip(manifest["pages"], served, strict=True):
        on_disk = gzip.decompress((run.path / record["file"]).read_bytes())
        assert on_disk == request.body
        assert record["sha256"] == hashlib.sha256(request.body).hexdigest()
        assert record["http_status"] == 200
        assert record["n_records"] == (request.n_studies or 0)
        assert record["fetched_at"].endswith("Z")

    stored_ids = [nct(s) for _, body in run.iter_bodies("page") for s in orjson.loads(body)["studies"]]
    assert stored_ids == [nct(s) for s in ctgov_server.studies]


def test_incremental_params_are_recorded(ctgov_server: CtgovRecordedServer, tmp_path: Path) -> None:
    advanced = "AREA[LastUpdatePostDate]RANGE[2025-01-01,MAX]"
    manifest = fetch_run(
        make_client(ctgov_server), new_run(tmp_path), CtgovRequest(extra_params={"filter.advanced": advanced})
    )
    assert manifest["request_params"]["filter.advanced"] == advanced
    assert 0 < manifest["total_count"] < len(ctgov_server.studies)
    assert manifest["n_records"] == manifest["total_count"]


def test_total_count_mismatch_fails_and_leaves_the_run_incomplete(
    ctgov_server: CtgovRecordedServer, tmp_path: Path
) -> None:
    """A study withdrawn from the registry while we page: fewer arrive than totalCount announced."""
    run = new_run(tmp_path)
    n = len(ctgov_server.studies)  # 47 shared studies: "received 46 studies in 5 pages"
    n_pages = len(expected_page_sizes(n - 1, 10))

    def withdraw_one(n_so_far: int, _total: int | None) -> None:
        if n_so_far == 10:
            ctgov_server.studies.pop()

    expected = rf"received {n - 1} studies in {n_pages} pages but totalCount was {n}"
    with pytest.raises(FetchError, match=expected):
        fetch_run(make_client(ctgov_server), run, on_page=withdraw_one)
    assert not run.complete


def test_duplicates_from_paging_drift_are_reported(ctgov_server: CtgovRecordedServer, tmp_path: Path) -> None:
    """A study inserted before our offset shifts the pages: the last of page 1 comes again."""
    studies = ctgov_server.studies
    last_of_first_page = nct(studies[9])

    def drift(n_so_far: int, _total: int | None) -> None:
        if n_so_far == 10:
            studies.insert(0, studies.pop())  # one new in front, one gone at the end: counts still agree

    manifest = fetch_run(make_client(ctgov_server), new_run(tmp_path), on_page=drift)
    assert manifest["n_records"] == manifest["total_count"] == len(studies)
    assert manifest["duplicate_nct_ids"] == {last_of_first_page: [1, 2]}
    assert manifest["n_unique_records"] == len(studies) - 1


def test_a_retried_run_restarts_cleanly(ctgov_server: CtgovRecordedServer, tmp_path: Path) -> None:
    run = new_run(tmp_path)

    def outage_after_page_3(n_so_far: int, _total: int | None) -> None:
        if n_so_far == 30:
            ctgov_server.inject(*["503"] * 3)

    with pytest.raises(FetchError, match="HTTP 503"):
        fetch_run(make_client(ctgov_server, page_size=10), run, on_page=outage_after_page_3)
    assert not run.complete
    assert len(list(run.path.glob("page-*.json.gz"))) == 3

    # The retry (as Prefect would run it) uses bigger pages: none of the first attempt's may survive.
    manifest = fetch_run(make_client(ctgov_server, page_size=20), run)
    n_pages = len(expected_page_sizes(len(ctgov_server.studies), 20))  # 3 for 47 studies, 2 for 38
    expected = ["version.json.gz"] + [f"page-{i:06d}.json.gz" for i in range(1, n_pages + 1)]
    assert [p["file"] for p in manifest["pages"]] == expected
    assert sorted(f.name for f in run.path.glob("*.gz")) == sorted(expected)
    assert len((run.path / "pages.jsonl").read_bytes().splitlines()) == len(expected)
    assert manifest["n_records"] == len(ctgov_server.studies)


def test_a_bad_extra_param_fails_before_any_file_is_touched(
    ctgov_server: CtgovRecordedServer, tmp_path: Path
) -> None:
    run = new_run(tmp_path)
    with pytest.raises(FetchError, match="may not override countTotal"):
        fetch_run(make_client(ctgov_server), run, CtgovRequest(extra_params={"countTotal": "false"}))
    assert list(run.path.iterdir()) == []
    assert ctgov_server.requests == []
