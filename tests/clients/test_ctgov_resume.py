"""Resuming a ClinicalTrials.gov fetch cut off mid-run: only the missing pages are fetched.

A run is cut off by an outage that outlasts the retries (three 503s in a row on the next page), as a
killed process would leave it: whole pages and no manifest. The next run with the same plan, while
the server still serves the same ``dataTimestamp``, takes those pages over (hard links) and goes on
from the last one's ``nextPageToken``; anything that shows the old pages no longer fit restarts the
query from page one. All against the recorded-response server on 127.0.0.1, on a fake clock.
"""

from __future__ import annotations

import gzip
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest

from pipeline import steps
from pipeline.config import (
    CtgovSettings,
    HttpSettings,
    Settings,
    SourcesSettings,
)
from pipeline.errors import FetchError
from pipeline.parquet.writer import partition_dir
from pipeline.raw.zone import PAGES_LOG, RawRun, RawZone
from pipeline.runs.recovery import incomplete_raw_runs, resume_candidate
from pipeline.sources.ctgov.client import CtgovClient
from pipeline.sources.ctgov.fetch import fetch_run
from pipeline.sources.ctgov.normalise.run import normalise_run
from pipeline.sources.ctgov.normalise.schemas import TABLES
from pipeline.sources.ctgov.request import FULL_PULL, CtgovRequest
from tests.servers.ctgov_server import CtgovRecordedServer, ServedRequest, expected_page_sizes
from tests.servers.fake_clock import FakeClock

UA = "migraine-evidence-pipeline/test (resume tests)"
FAST = HttpSettings(requests_per_second=1000.0, max_attempts=3, backoff_initial_seconds=1.0)
# Run ids sort by start time: the cut-off run first, then the runs that may resume it.
CUT_OFF = "20261121T010000Z-aaaa"
RESUMED = "20261121T020000Z-bbbb"
THIRD = "20261121T030000Z-cccc"
SINCE_2025 = {"filter.advanced": "AREA[LastUpdatePostDate]RANGE[2025-01-01,MAX]"}

Progress = Callable[[int, int | None], None]


@pytest.fixture(scope="module")
def running_server(ctgov_fixture_studies: list[dict[str, Any]]) -> Iterator[CtgovRecordedServer]:
    # Stopping a server costs 0.5 s, so one serves the module; ``reset`` isolates the tests.
    with CtgovRecordedServer(ctgov_fixture_studies, host="127.0.0.1") as recorded:
        yield recorded


@pytest.fixture
def server(
    running_server: CtgovRecordedServer, ctgov_fixture_studies: list[dict[str, Any]]
) -> CtgovRecordedServer:
    running_server.reset(ctgov_fixture_studies)  # a copy: tests may change the served studies
    return running_server


def make_client(server: CtgovRecordedServer, page_size: int = 10) -> CtgovClient:
    clock = FakeClock()
    folder_settings = CtgovSettings(base_url=server.base_url, page_size=page_size, http=FAST)
    return CtgovClient(folder_settings, UA, clock=clock)


def outage_after(server: CtgovRecordedServer, n_records: int) -> Progress:
    """An outage outlasting the client's three attempts once ``n_records`` studies are stored."""

    def on_page(n_so_far: int, _total: int | None) -> None:
        if n_so_far == n_records:
            server.inject(*["503"] * FAST.max_attempts)

    return on_page


def cut_off_run(
    server: CtgovRecordedServer,
    raw_zone: RawZone,
    after: int,
    run_id: str = CUT_OFF,
    resume_from: RawRun | None = None,
    request: CtgovRequest = FULL_PULL,
) -> RawRun:
    """A run killed once ``after`` studies were stored, reopened from disk as recovery finds it."""
    run = raw_zone.start_run("ctgov", run_id)
    with pytest.raises(FetchError, match="HTTP 503"):
        fetch_run(
            make_client(server), run, request, on_page=outage_after(server, after), resume_from=resume_from
        )
    assert not run.complete
    assert server.pending_faults() == 0
    return raw_zone.open_run("ctgov", run_id)


def n_pages(server: CtgovRecordedServer, page_size: int = 10) -> int:
    """Pages of a whole search: 5 of 10 for the 47 shared studies, 4 for the 38 packaged ones."""
    return len(expected_page_sizes(len(server.studies), page_size))


def nct(study: dict[str, Any]) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def page_files(n: int, prefix: str = "page") -> list[str]:
    return [f"{prefix}-{i:06d}.json.gz" for i in range(1, n + 1)]


def next_token(run: RawRun, file: str) -> str:
    (record,) = [p for p in run.pages() if p.file == file]
    return orjson.loads(run.read_body(record))["nextPageToken"]


def studies_requests(server: CtgovRecordedServer, since: int) -> list[ServedRequest]:
    return [r for r in server.requests[since:] if r.path.endswith("/studies")]


def stored_ids(run: RawRun) -> list[str]:
    return [nct(s) for _, body in run.iter_bodies("page") for s in orjson.loads(body)["studies"]]


def assert_nothing_taken_over(run: RawRun, manifest: dict[str, Any], donor: RawRun) -> None:
    assert "resumed_from" not in manifest
    assert all("adopted_from" not in p for p in manifest["pages"])
    assert all(os.stat(run.path / p["file"]).st_nlink == 1 for p in manifest["pages"])
    assert donor.taken_over_by() is None


def candidate_id(folder_settings: Settings, source: str, exclude: str) -> str | None:
    """The run ``resume_candidate`` offers, by id (a RawRun also compares its cached page list)."""
    run = resume_candidate(folder_settings, source, exclude)
    return run.run_id if run else None


# -- taking over ---------------------------------------------------------------------------------------


def test_a_resumed_run_fetches_only_the_missing_pages(
    server: CtgovRecordedServer, raw_zone: RawZone, folder_settings: Settings
) -> None:
    donor = cut_off_run(server, raw_zone, after=20)
    assert [p.file for p in donor.pages()] == ["version.json.gz", *page_files(2)]
    assert candidate_id(folder_settings, "ctgov", exclude=RESUMED) == donor.run_id
    assert incomplete_raw_runs(folder_settings, ("ctgov",)) == [f"ctgov:{CUT_OFF}"]
    saved_token = next_token(donor, "page-000002.json.gz")
    donor_records = {p.file: p for p in donor.pages()}

    since = len(server.requests)
    run = raw_zone.start_run("ctgov", RESUMED)
    progress: list[tuple[int, int | None]] = []
    manifest = fetch_run(
        make_client(server),
        run,
        resume_from=resume_candidate(folder_settings, "ctgov", exclude=RESUMED),
        on_page=lambda n, total: progress.append((n, total)),
    )

    # Only /version and pages 3 on: the first page asked for is the one the saved token points at.
    served = server.requests[since:]
    assert [r.path.rsplit("/", 1)[1] for r in served] == ["version"] + ["studies"] * (n_pages(server) - 2)
    assert served[1].params["pageToken"] == saved_token
    assert all("pageToken" in r.params for r in served[1:])

    n = len(server.studies)
    assert manifest["complete"] is True
    assert manifest["total_count"] == manifest["n_records"] == manifest["n_unique_records"] == n
    assert manifest["n_pages"] == n_pages(server)
    assert manifest["resumed_from"] == {"run_id": CUT_OFF, "n_pages_kept": 2}
    assert [p["file"] for p in manifest["pages"]] == ["version.json.gz", *page_files(n_pages(server))]
    assert progress == [(received, n) for received in itertools.accumulate(expected_page_sizes(n, 10))]
    assert stored_ids(run) == [nct(s) for s in server.studies]

    for page in manifest["pages"]:
        if page["file"] in ("page-000001.json.gz", "page-000002.json.gz"):
            # The same file (a hard link), with the record of the run that really fetched it.
            assert page["adopted_from"] == CUT_OFF
            assert page["fetched_at"] == donor_records[page["file"]].fetched_at
            assert page["sha256"] == donor_records[page["file"]].sha256
            assert os.path.samefile(run.path / page["file"], donor.path / page["file"])
        else:
            assert "adopted_from" not in page
            assert os.stat(run.path / page["file"]).st_nlink == 1

    # The cut-off run keeps its pages whole, is marked taken over and is offered to no one again.
    assert all(donor.read_body(p) for p in donor.pages())
    assert donor.taken_over_by() == RESUMED
    assert candidate_id(folder_settings, "ctgov", exclude=THIRD) is None
    assert incomplete_raw_runs(folder_settings, ("ctgov",)) == []


def test_a_resumed_run_normalises_like_an_uninterrupted_one(
    server: CtgovRecordedServer, raw_zone: RawZone, tmp_path: Path
) -> None:
    whole = raw_zone.start_run("ctgov", "20261121T000000Z-0000")
    fetch_run(make_client(server), whole)
    donor = cut_off_run(server, raw_zone, after=30)
    resumed = raw_zone.start_run("ctgov", RESUMED)
    manifest = fetch_run(make_client(server), resumed, resume_from=donor)
    assert manifest["resumed_from"]["n_pages_kept"] == 3

    # The same studies on the same pages (only the opaque page tokens differ between two pagings).
    assert [orjson.loads(b)["studies"] for _, b in resumed.iter_bodies("page")] == [
        orjson.loads(b)["studies"] for _, b in whole.iter_bodies("page")
    ]
    roots = {run.run_id: tmp_path / run.run_id / "parquet" for run in (whole, resumed)}
    for run in (whole, resumed):
        normalise_run(run, roots[run.run_id])
    for table in TABLES:
        got, want = (
            pq.read_table(partition_dir(roots[r.run_id], table, r.run_id), partitioning=None)
            for r in (resumed, whole)
        )
        provenance = ["run_id", "fetched_at"]
        assert got.drop_columns(provenance).equals(want.drop_columns(provenance)), table
        assert got.num_rows == want.num_rows

    # Rows of a taken-over page carry the fetch time of the run that fetched it.
    trials = pq.read_table(partition_dir(roots[RESUMED], "trials", RESUMED), partitioning=None)
    first_page = {p.file: p for p in donor.pages()}["page-000001.json.gz"]
    first_ten = set(trials.column("fetched_at").to_pylist()[:10])
    assert first_ten == {donor.fetched_at_of(first_page)}


def test_a_resumed_run_cut_off_again_is_resumed_in_turn(
    server: CtgovRecordedServer, raw_zone: RawZone, folder_settings: Settings
) -> None:
    first = cut_off_run(server, raw_zone, after=10)
    second = cut_off_run(server, raw_zone, after=30, run_id=RESUMED, resume_from=first)
    assert first.taken_over_by() == RESUMED
    assert candidate_id(folder_settings, "ctgov", exclude=THIRD) == second.run_id

    since = len(server.requests)
    manifest = fetch_run(
        make_client(server),
        raw_zone.start_run("ctgov", THIRD),
        resume_from=resume_candidate(folder_settings, "ctgov", exclude=THIRD),
    )
    assert manifest["resumed_from"] == {"run_id": RESUMED, "n_pages_kept": 3}
    assert [p.get("adopted_from") for p in manifest["pages"]] == [
        None,  # its own /version
        CUT_OFF,  # still the run that really fetched it
        RESUMED,
        RESUMED,
    ] + [None] * (n_pages(server) - 3)
    assert studies_requests(server, since)[0].params["pageToken"] == next_token(second, "page-000003.json.gz")
    assert manifest["n_records"] == manifest["total_count"] == len(server.studies)
    assert second.taken_over_by() == THIRD
    assert incomplete_raw_runs(folder_settings, ("ctgov",)) == []


def test_drift_pages_are_never_taken_over(server: CtgovRecordedServer, raw_zone: RawZone) -> None:
    """Cut off in the drift re-reads: the paged query is taken over whole, the drift slice re-read."""
    total = fetch_run(
        make_client(server),
        raw_zone.start_run("ctgov", "20261120T000000Z-0000"),
        CtgovRequest(extra_params=SINCE_2025),
    )["total_count"]
    main_ids = set(stored_ids(raw_zone.open_run("ctgov", "20261120T000000Z-0000")))
    drift_ids = [nct(s) for s in server.studies if nct(s) not in main_ids][:3]
    assert 0 < total < len(server.studies) and len(drift_ids) == 3
    request = CtgovRequest(SINCE_2025, mode="incremental", drift_ids=drift_ids, drift_ids_per_request=2)
    donor = cut_off_run(server, raw_zone, after=total, request=request)
    # Cut off on the first drift request: the paged query is all there, whole.
    donor_files = [p.file for p in donor.pages()]
    n_main = sum(f.startswith("page-") for f in donor_files)
    assert donor_files == ["version.json.gz", *page_files(n_main)]

    since = len(server.requests)
    manifest = fetch_run(
        make_client(server), raw_zone.start_run("ctgov", RESUMED), request, resume_from=donor
    )
    requests = studies_requests(server, since)
    assert [r.params["filter.ids"] for r in requests] == [",".join(drift_ids[:2]), drift_ids[2]]
    assert manifest["resumed_from"] == {"run_id": CUT_OFF, "n_pages_kept": n_main}
    assert manifest["drift"]["n_records"] == 3
    for page in manifest["pages"]:
        taken = page["file"].startswith("page-")
        assert (page.get("adopted_from") == CUT_OFF) is taken, page["file"]


# -- not taking over -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"extra_params": SINCE_2025}, id="other-params"),
        pytest.param({"mode": "incremental"}, id="other-mode"),
        pytest.param({"page_size": 20}, id="other-page-size"),
    ],
)
def test_a_run_with_another_plan_starts_from_page_one(
    server: CtgovRecordedServer, raw_zone: RawZone, change: dict[str, Any]
) -> None:
    donor = cut_off_run(server, raw_zone, after=20)
    since = len(server.requests)
    page_size = change.pop("page_size", 10)
    run = raw_zone.start_run("ctgov", RESUMED)
    client = make_client(server, page_size=page_size)
    manifest = fetch_run(client, run, CtgovRequest(**change), resume_from=donor)
    assert "pageToken" not in studies_requests(server, since)[0].params
    assert manifest["n_records"] == manifest["total_count"]
    assert_nothing_taken_over(run, manifest, donor)


def test_a_changed_data_timestamp_starts_from_page_one(
    server: CtgovRecordedServer, raw_zone: RawZone
) -> None:
    donor = cut_off_run(server, raw_zone, after=20)
    server.data_timestamp = "2026-08-12T09:00:00"  # the registry published a new snapshot since
    since = len(server.requests)
    run = raw_zone.start_run("ctgov", RESUMED)
    manifest = fetch_run(make_client(server), run, resume_from=donor)
    assert "pageToken" not in studies_requests(server, since)[0].params
    assert len(studies_requests(server, since)) == n_pages(server)
    assert manifest["data_timestamp"] == "2026-08-12T09:00:00"
    assert_nothing_taken_over(run, manifest, donor)


def _flip_a_byte(path: Path) -> None:
    """Damage the deflate stream itself (not the CRC trailer): what a bad disk block looks like."""
    data = bytearray(path.read_bytes())
    data[20] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _other_body(path: Path) -> None:
    body = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(body.replace(b"NCT", b"NCX", 1)))


def _delete(path: Path) -> None:
    path.unlink()


@pytest.mark.parametrize("damage", [_flip_a_byte, _truncate, _other_body, _delete])
def test_taking_over_stops_before_a_damaged_page(
    server: CtgovRecordedServer, raw_zone: RawZone, damage: Callable[[Path], None]
) -> None:
    donor = cut_off_run(server, raw_zone, after=30)
    damage(donor.path / "page-000002.json.gz")
    since = len(server.requests)
    run = raw_zone.start_run("ctgov", RESUMED)
    manifest = fetch_run(make_client(server), run, resume_from=donor)

    requests = studies_requests(server, since)
    assert len(requests) == n_pages(server) - 1  # pages 2 on; page 3, whole, comes after the damaged one
    assert requests[0].params["pageToken"] == next_token(donor, "page-000001.json.gz")
    assert manifest["resumed_from"] == {"run_id": CUT_OFF, "n_pages_kept": 1}
    adopted = [p.get("adopted_from") for p in manifest["pages"]]
    assert adopted == [None, CUT_OFF] + [None] * (n_pages(server) - 1)
    assert not os.path.samefile(run.path / "page-000002.json.gz", donor.path / "page-000001.json.gz")
    assert manifest["n_records"] == manifest["total_count"] == len(server.studies)
    assert stored_ids(run) == [nct(s) for s in server.studies]


def test_taking_over_stops_at_a_page_asked_with_another_token(
    server: CtgovRecordedServer, raw_zone: RawZone
) -> None:
    """A page stored whole that does not follow the page before it (its request says so)."""
    donor = cut_off_run(server, raw_zone, after=30)
    lines = []
    for line in (donor.path / PAGES_LOG).read_bytes().splitlines():
        record = orjson.loads(line)
        if record["file"] == "page-000003.json.gz":
            record["params"]["pageToken"] = "a-token-of-another-paging"
        lines.append(orjson.dumps(record) + b"\n")
    (donor.path / PAGES_LOG).write_bytes(b"".join(lines))
    since = len(server.requests)
    manifest = fetch_run(
        make_client(server),
        raw_zone.start_run("ctgov", RESUMED),
        resume_from=raw_zone.open_run("ctgov", CUT_OFF),
    )
    assert manifest["resumed_from"] == {"run_id": CUT_OFF, "n_pages_kept": 2}
    assert studies_requests(server, since)[0].params["pageToken"] == next_token(donor, "page-000002.json.gz")
    assert manifest["n_records"] == manifest["total_count"] == len(server.studies)


@pytest.mark.parametrize("damage", [_flip_a_byte, _truncate, _delete])
def test_an_unreadable_version_response_takes_nothing_over(
    server: CtgovRecordedServer, raw_zone: RawZone, damage: Callable[[Path], None]
) -> None:
    donor = cut_off_run(server, raw_zone, after=20)
    damage(donor.path / "version.json.gz")
    run = raw_zone.start_run("ctgov", RESUMED)
    manifest = fetch_run(make_client(server), run, resume_from=donor)
    assert manifest["n_records"] == manifest["total_count"]
    assert_nothing_taken_over(run, manifest, donor)


def test_a_run_without_a_recorded_plan_is_not_taken_over(
    server: CtgovRecordedServer, raw_zone: RawZone, folder_settings: Settings
) -> None:
    donor = cut_off_run(server, raw_zone, after=20)
    (donor.path / "started.json").unlink()  # as a run from before plans were recorded
    assert candidate_id(folder_settings, "ctgov", exclude=RESUMED) is None
    run = raw_zone.start_run("ctgov", RESUMED)
    assert_nothing_taken_over(run, fetch_run(make_client(server), run, resume_from=donor), donor)


# -- taken over, then found stale: restart from page one -------------------------------------------------


def assert_restarted_whole(
    server: CtgovRecordedServer, run: RawRun, manifest: dict[str, Any], donor: RawRun, since: int
) -> None:
    """A complete, reconciled run of pages this run fetched itself; the donor's files untouched."""
    requests = studies_requests(server, since)
    restart = next(i for i, r in enumerate(requests) if "pageToken" not in r.params)
    assert restart >= 1  # it did try to continue first
    n_pages = manifest["n_pages"]
    assert len(requests) - restart == n_pages
    assert manifest["n_records"] == manifest["total_count"] == manifest["n_unique_records"]
    assert manifest["n_records"] == len(server.studies)
    assert stored_ids(run) == [nct(s) for s in server.studies]
    assert "resumed_from" not in manifest
    assert [p["file"] for p in manifest["pages"]] == ["version.json.gz", *page_files(n_pages)]
    assert all("adopted_from" not in p for p in manifest["pages"])
    assert sorted(f.name for f in run.path.glob("*.gz")) == sorted(p["file"] for p in manifest["pages"])
    logged = [orjson.loads(line)["file"] for line in (run.path / "pages.jsonl").read_bytes().splitlines()]
    assert logged == [p["file"] for p in manifest["pages"]]
    for page in manifest["pages"]:
        assert os.stat(run.path / page["file"]).st_nlink == 1
    assert [p.file for p in donor.pages()] == ["version.json.gz", *page_files(2)]
    assert all(donor.read_body(p) for p in donor.pages())


def test_a_refused_page_token_restarts_from_page_one(
    server: CtgovRecordedServer, raw_zone: RawZone, caplog: pytest.LogCaptureFixture
) -> None:
    donor = cut_off_run(server, raw_zone, after=20)
    server.expire_page_tokens()
    since = len(server.requests)
    run = raw_zone.start_run("ctgov", RESUMED)
    manifest = fetch_run(make_client(server), run, resume_from=donor)

    first = studies_requests(server, since)[0]
    assert first.status == 400 and first.params["pageToken"] == next_token(donor, "page-000002.json.gz")
    assert_restarted_whole(server, run, manifest, donor, since)
    assert "refused to continue" in caplog.text and "fetching again from page one" in caplog.text


def _insert_a_study_in_front(studies: list[dict[str, Any]]) -> None:
    """A new trial sorted before the resume point: the last study of page 2 comes again on page 3."""
    studies.insert(0, studies.pop())


def _withdraw_the_last_study(studies: list[dict[str, Any]]) -> None:
    studies.pop()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_insert_a_study_in_front, "came again after the resume point"),
        (_withdraw_the_last_study, "totalCount"),
    ],
)
def test_pages_that_no_longer_fit_restart_from_page_one(
    server: CtgovRecordedServer,
    raw_zone: RawZone,
    caplog: pytest.LogCaptureFixture,
    change: Callable[[list[dict[str, Any]]], None],
    reason: str,
) -> None:
    """The served studies moved while the dataTimestamp stayed (the API's stamp lags its data)."""
    donor = cut_off_run(server, raw_zone, after=20)
    change(server.studies)
    since = len(server.requests)
    run = raw_zone.start_run("ctgov", RESUMED)
    manifest = fetch_run(make_client(server), run, resume_from=donor)
    assert studies_requests(server, since)[0].params["pageToken"] == next_token(donor, "page-000002.json.gz")
    assert_restarted_whole(server, run, manifest, donor, since)
    assert reason in caplog.text


# -- through the pipeline step -------------------------------------------------------------------------


def test_the_fetch_step_resumes_the_cut_off_run(
    server: CtgovRecordedServer, tmp_path: Path, folder_settings: Settings
) -> None:
    """``steps.fetch`` finds the cut-off run itself (real clock: no backoff, fast rate)."""
    http = HttpSettings(requests_per_second=1000.0, max_attempts=3, backoff_initial_seconds=0.0)
    ctgov = CtgovSettings(base_url=server.base_url, page_size=10, http=http)
    folder_settings = folder_settings.model_copy(update={"sources": SourcesSettings(ctgov=ctgov)})
    with pytest.raises(FetchError, match="HTTP 503"):
        steps.fetch(folder_settings, "ctgov", CUT_OFF, on_progress=outage_after(server, 30))
    since = len(server.requests)
    manifest = steps.fetch(folder_settings, "ctgov", RESUMED)
    assert manifest["resumed_from"] == {"run_id": CUT_OFF, "n_pages_kept": 3}
    assert len(studies_requests(server, since)) == n_pages(server) - 3
    assert manifest["n_records"] == manifest["total_count"] == len(server.studies)
    assert incomplete_raw_runs(folder_settings, ("ctgov",)) == []
