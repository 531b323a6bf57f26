"""Resuming a PubMed fetch cut off mid-run: stored searches and whole batches are taken over.

A run is cut off by an outage that outlasts the retries, leaving its ESearch (with the PMIDs) and
some EFetch batches but no manifest. The next run with the same plan, while that search is recent,
takes them over (hard links) and fetches only the missing batches, by explicit PMIDs: the old run's
WebEnv has likely expired. When what it took over no longer adds up (a record withdrawn since), it
searches afresh. All against the recorded-response E-utilities server on 127.0.0.1, on a fake clock.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest

from pipeline import steps
from pipeline.config import (
    HttpSettings,
    PubmedSettings,
    Settings,
    SourcesSettings,
)
from pipeline.errors import FetchError
from pipeline.parquet.writer import partition_dir
from pipeline.raw.zone import PAGES_LOG, RawRun, RawZone
from pipeline.runs.recovery import incomplete_raw_runs, resume_candidate
from pipeline.sources.pubmed.client import PubmedClient
from pipeline.sources.pubmed.fetch import fetch_run
from pipeline.sources.pubmed.normalise.run import normalise_run
from pipeline.sources.pubmed.normalise.schemas import TABLES
from pipeline.sources.pubmed.request import PubmedRequest
from pipeline.sources.pubmed.responses import parse_esearch
from pipeline.sources.pubmed.resume import RESUME_WITHIN
from pipeline.sources.pubmed.source import watermark_after
from tests.servers.corpus import n_articles, three_batch_size
from tests.servers.pubmed_server import (
    Fault,
    FixtureArticle,
    PubmedRecordedServer,
    pubmed_client,
    stored_pmids,
)

EMAIL = "curator@example.org"
MAX_ATTEMPTS = 3
MIGRAINE = PubmedRequest("migraine")  # the query the recorded server answers with every article
N_ARTICLES = n_articles()  # 49 shared, 20 packaged
BATCH = three_batch_size(N_ARTICLES)  # 20 shared, 8 packaged: three batches, the last one short
CUT_OFF = "20261121T010000Z-aaaa"
RESUMED = "20261121T020000Z-bbbb"
THIRD = "20261121T030000Z-cccc"
SEARCH = "esearch-0001.xml.gz"

Progress = Callable[[int, int | None], None]


@pytest.fixture
def server(pubmed_server: PubmedRecordedServer) -> PubmedRecordedServer:
    return pubmed_server


def make_client(server: PubmedRecordedServer, **options: Any) -> PubmedClient:
    return pubmed_client(server, max_attempts=MAX_ATTEMPTS, **{"batch_size": BATCH, **options})


def outage_after(server: PubmedRecordedServer, n_records: int) -> Progress:
    """An outage outlasting the client's attempts once ``n_records`` records (or more) are stored."""
    fired = False

    def on_progress(n_so_far: int, _total: int | None) -> None:
        nonlocal fired
        if n_so_far >= n_records and not fired:
            fired = True
            server.inject(*[Fault("http_503")] * MAX_ATTEMPTS)

    return on_progress


def cut_off_run(
    server: PubmedRecordedServer,
    raw_zone: RawZone,
    after: int,
    run_id: str = CUT_OFF,
    client: PubmedClient | None = None,
) -> RawRun:
    """A run killed once ``after`` records were stored, reopened from disk as recovery finds it."""
    run = raw_zone.start_run("pubmed", run_id)
    with pytest.raises(FetchError, match="HTTP 503"):
        on_progress = outage_after(server, after)
        fetch_run(client or make_client(server), run, MIGRAINE, on_progress=on_progress)
    assert not run.complete and server.pending_faults() == 0
    return raw_zone.open_run("pubmed", run_id)


def batch_files(search: int, n: int) -> list[str]:
    return [f"efetch-{search:04d}-{i:06d}.xml.gz" for i in range(1, n + 1)]


def first_and_last_batch(ids: tuple[str, ...]) -> list[str]:
    """The ``id`` parameters of EFetch requests for batches 1 and 3 of three, asked for by PMID."""
    return [",".join(ids[:BATCH]), ",".join(ids[2 * BATCH :])]


def record_of(run: RawRun, file: str) -> Any:
    (record,) = [p for p in run.pages() if p.file == file]
    return record


def searched_ids(run: RawRun, file: str = SEARCH) -> tuple[str, ...]:
    return parse_esearch(run.read_body(record_of(run, file))).ids


def rewrite_record(run: RawRun, file: str, **fields: Any) -> None:
    """Change what the run's page log says about one stored response."""
    lines = []
    for line in (run.path / PAGES_LOG).read_bytes().splitlines():
        record = orjson.loads(line)
        if record["file"] == file:
            record |= fields
        lines.append(orjson.dumps(record) + b"\n")
    (run.path / PAGES_LOG).write_bytes(b"".join(lines))


def set_search_time(run: RawRun, when: datetime) -> str:
    """Rewrite when the run's first search was fetched (as if it was cut off that long ago)."""
    stamp = when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    rewrite_record(run, SEARCH, fetched_at=stamp)
    return stamp


def assert_nothing_taken_over(
    server: PubmedRecordedServer, run: RawRun, manifest: dict[str, Any], donor: RawRun
) -> None:
    assert "resumed_from" not in manifest
    assert manifest["data_timestamp"] == manifest["started_at"]
    assert all("adopted_from" not in p for p in manifest["pages"])
    assert all(os.stat(run.path / p["file"]).st_nlink == 1 for p in manifest["pages"])
    assert donor.taken_over_by() is None
    assert len(server.requests_to("esearch")) >= 1
    assert all("WebEnv" in r.params and "id" not in r.params for r in server.requests_to("efetch"))


def candidate_id(folder_settings: Settings, source: str, exclude: str) -> str | None:
    """The run ``resume_candidate`` offers, by id (a RawRun also compares its cached page list)."""
    run = resume_candidate(folder_settings, source, exclude)
    return run.run_id if run else None


# -- taking over ---------------------------------------------------------------------------------------


def test_a_resumed_run_fetches_only_the_missing_batches(
    server: PubmedRecordedServer, raw_zone: RawZone, folder_settings: Settings
) -> None:
    donor = cut_off_run(server, raw_zone, after=2 * BATCH)
    assert [p.file for p in donor.pages()] == [SEARCH, *batch_files(1, 2)]
    assert candidate_id(folder_settings, "pubmed", exclude=RESUMED) == donor.run_id
    ids = searched_ids(donor)
    assert len(ids) == N_ARTICLES  # ESearch listed every PMID (retmax = the cap)
    donor_records = {p.file: p for p in donor.pages()}

    server.reset()
    run = raw_zone.start_run("pubmed", RESUMED)
    progress: list[tuple[int, int | None]] = []
    manifest = fetch_run(
        make_client(server),
        run,
        MIGRAINE,
        resume_from=resume_candidate(folder_settings, "pubmed", exclude=RESUMED),
        on_progress=lambda n, total: progress.append((n, total)),
    )

    # No new search; the one missing batch asked for by its PMIDs, not through the old WebEnv.
    assert server.requests_to("esearch") == []
    (fetch,) = server.requests_to("efetch")
    assert fetch.params["id"] == ",".join(ids[2 * BATCH :])
    assert not {"WebEnv", "query_key", "retstart"} & fetch.params.keys()
    assert fetch.method == "POST" and fetch.query_string == ""

    assert manifest["complete"] is True
    assert manifest["total_count"] == manifest["n_records"] == manifest["n_unique_records"] == N_ARTICLES
    assert manifest["resumed_from"] == {"run_id": CUT_OFF, "n_responses_kept": 3}
    assert manifest["data_timestamp"] == donor_records[SEARCH].fetched_at
    assert manifest["windows"] == [
        {
            "mindate": None,
            "maxdate": None,
            "count": N_ARTICLES,
            "n_records": N_ARTICLES,
            "esearch": "esearch-0001.xml",
            "n_batches": 3,
        }
    ]
    assert progress == [(n, N_ARTICLES) for n in (0, BATCH, 2 * BATCH, N_ARTICLES)]
    assert [p["file"] for p in manifest["pages"]] == [SEARCH, *batch_files(1, 3)]
    for page in manifest["pages"]:
        if page["file"] in donor_records:
            assert page["adopted_from"] == CUT_OFF
            assert page["fetched_at"] == donor_records[page["file"]].fetched_at
            assert os.path.samefile(run.path / page["file"], donor.path / page["file"])
        else:
            assert "adopted_from" not in page
            assert page["params"]["id"] == ",".join(ids[2 * BATCH :])
    assert stored_pmids(run) == list(ids)
    assert run.started()["open_end"] == donor.started()["open_end"]

    assert all(donor.read_body(p) for p in donor.pages())
    assert donor.taken_over_by() == RESUMED
    assert candidate_id(folder_settings, "pubmed", exclude=THIRD) is None
    assert incomplete_raw_runs(folder_settings, ("pubmed",)) == []


def test_a_resumed_run_normalises_like_an_uninterrupted_one(
    server: PubmedRecordedServer, raw_zone: RawZone, tmp_path: Path
) -> None:
    whole = raw_zone.start_run("pubmed", "20261121T000000Z-0000")
    fetch_run(make_client(server), whole, MIGRAINE)
    donor = cut_off_run(server, raw_zone, after=BATCH)
    resumed = raw_zone.start_run("pubmed", RESUMED)
    assert fetch_run(make_client(server), resumed, MIGRAINE, resume_from=donor)["resumed_from"] == {
        "run_id": CUT_OFF,
        "n_responses_kept": 2,
    }

    roots = {run.run_id: tmp_path / run.run_id / "parquet" for run in (whole, resumed)}
    for run in (whole, resumed):
        normalise_run(run, roots[run.run_id])
    provenance = ["run_id", "fetched_at", "data_timestamp"]
    for table in TABLES:
        got, want = (
            pq.read_table(partition_dir(roots[r.run_id], table, r.run_id), partitioning=None)
            for r in (resumed, whole)
        )
        assert got.num_rows == want.num_rows
        assert got.drop_columns(provenance).equals(want.drop_columns(provenance)), table
    publications = pq.read_table(partition_dir(roots[RESUMED], "publications", RESUMED), partitioning=None)
    assert publications.num_rows == N_ARTICLES
    # The answer reflects PubMed as of the taken-over search.
    assert set(publications.column("data_timestamp").to_pylist()) == {record_of(donor, SEARCH).fetched_at}


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:200])


def _flip_a_byte(path: Path) -> None:
    """Damage the deflate stream itself (not the CRC trailer): what a bad disk block looks like."""
    data = bytearray(path.read_bytes())
    data[20] ^= 0xFF
    path.write_bytes(bytes(data))


def _delete(path: Path) -> None:
    path.unlink()


@pytest.mark.parametrize("damage", [_truncate, _flip_a_byte, _delete])
def test_a_damaged_batch_is_fetched_again_by_pmid(
    server: PubmedRecordedServer, raw_zone: RawZone, damage: Callable[[Path], None]
) -> None:
    """Batch 1 damaged, batch 2 whole: only batch 1 and the never-fetched batch 3 are asked for."""
    donor = cut_off_run(server, raw_zone, after=2 * BATCH)
    damage(donor.path / "efetch-0001-000001.xml.gz")
    ids = searched_ids(donor)

    server.reset()
    run = raw_zone.start_run("pubmed", RESUMED)
    manifest = fetch_run(make_client(server), run, MIGRAINE, resume_from=donor)
    assert server.requests_to("esearch") == []
    assert [r.params["id"] for r in server.requests_to("efetch")] == [
        ",".join(ids[:BATCH]),
        ",".join(ids[2 * BATCH :]),
    ]
    assert manifest["resumed_from"] == {"run_id": CUT_OFF, "n_responses_kept": 2}
    assert [p.get("adopted_from") for p in manifest["pages"]] == [CUT_OFF, None, CUT_OFF, None]
    assert stored_pmids(run) == list(ids)
    assert manifest["n_records"] == manifest["total_count"] == N_ARTICLES


def test_a_batch_holding_pmids_of_another_slice_is_not_taken_over(
    server: PubmedRecordedServer, raw_zone: RawZone
) -> None:
    """Whole and matching its sha256, but not the PMIDs its place in the search stands for."""
    donor = cut_off_run(server, raw_zone, after=2 * BATCH)
    second = record_of(donor, "efetch-0001-000002.xml.gz")
    shutil.copyfile(donor.path / second.file, donor.path / "efetch-0001-000001.xml.gz")
    rewrite_record(donor, "efetch-0001-000001.xml.gz", sha256=second.sha256)
    ids = searched_ids(donor)

    server.reset()
    run = raw_zone.start_run("pubmed", RESUMED)
    manifest = fetch_run(make_client(server), run, MIGRAINE, resume_from=raw_zone.open_run("pubmed", CUT_OFF))
    assert [r.params["id"] for r in server.requests_to("efetch")] == [
        ",".join(ids[:BATCH]),
        ",".join(ids[2 * BATCH :]),
    ]
    assert manifest["n_unique_records"] == manifest["n_records"] == N_ARTICLES
    assert manifest["duplicate_pmids"] == {}


def small_cap(server: PubmedRecordedServer) -> PubmedClient:
    """A server and client that hand out 5 ids per search, so the records need date windows."""
    server.reset()
    server.set_max_ids(5)
    return make_client(server, batch_size=2, max_retrievable=5)


def test_split_windows_resume_with_the_donors_windows(
    server: PubmedRecordedServer, pubmed_fixture_articles: list[FixtureArticle], raw_zone: RawZone
) -> None:
    """A query larger than one search can hand out: the searches made so far are taken over in order,
    later windows are searched afresh (and fetched through their own WebEnv)."""
    whole = raw_zone.start_run("pubmed", "20261121T000000Z-0000")
    expected = fetch_run(small_cap(server), whole, MIGRAINE)
    n_searches = len(server.requests_to("esearch"))
    donor = cut_off_run(server, raw_zone, after=BATCH, client=small_cap(server))
    donor_searches = [p.file for p in donor.pages() if p.kind == "esearch"]
    assert 1 < len(donor_searches) < n_searches

    run = raw_zone.start_run("pubmed", RESUMED)
    manifest = fetch_run(small_cap(server), run, MIGRAINE, resume_from=donor)
    fetches = server.requests_to("efetch")

    assert len(server.requests_to("esearch")) == n_searches - len(donor_searches)
    assert manifest["windows"] == expected["windows"]
    assert sorted(stored_pmids(run)) == sorted(a.pmid for a in pubmed_fixture_articles)
    assert manifest["n_records"] == manifest["total_count"] == N_ARTICLES
    adopted = [p["file"] for p in manifest["pages"] if p.get("adopted_from") == CUT_OFF]
    assert [f for f in adopted if f.startswith("esearch")] == donor_searches
    assert manifest["resumed_from"] == {"run_id": CUT_OFF, "n_responses_kept": len(adopted)}
    # Every batch is either taken over or fetched once: by PMID for a taken-over search (its WebEnv
    # is the old run's), through its own WebEnv for a fresh one.
    n_adopted_batches = len(adopted) - len(donor_searches)
    assert n_adopted_batches + len(fetches) == sum(w["n_batches"] for w in manifest["windows"])
    assert all(("id" in r.params) != ("WebEnv" in r.params) for r in fetches)
    assert any("id" in r.params for r in fetches) and any("WebEnv" in r.params for r in fetches)


def test_a_failed_run_whose_counts_no_longer_add_up_is_searched_afresh(
    server: PubmedRecordedServer, raw_zone: RawZone, caplog: pytest.LogCaptureFixture
) -> None:
    """A record withdrawn between ESearch and EFetch fails the run; the next run must not take over
    the old count again (it would fail the same way until the search is 12 hours old) but search anew.
    """
    ids = [a.pmid for a in server.articles]
    withdrawn = ids[-4]  # in the last batch
    server.set_missing({withdrawn})
    donor = raw_zone.start_run("pubmed", CUT_OFF)
    expected = f"received {N_ARTICLES - 1} records in 3 batches but ESearch counted {N_ARTICLES}"
    with pytest.raises(FetchError, match=expected):
        fetch_run(make_client(server), donor, MIGRAINE)
    assert [p.file for p in donor.pages()] == [SEARCH, *batch_files(1, 3)]

    server.reset()
    server.set_term_pmids("migraine", [i for i in ids if i != withdrawn])  # now gone from searches too
    run = raw_zone.start_run("pubmed", RESUMED)
    manifest = fetch_run(make_client(server), run, MIGRAINE, resume_from=raw_zone.open_run("pubmed", CUT_OFF))
    assert "searching again" in caplog.text
    assert len(server.requests_to("esearch")) == 1
    assert manifest["n_records"] == manifest["total_count"] == N_ARTICLES - 1
    assert "resumed_from" not in manifest
    assert manifest["data_timestamp"] == manifest["started_at"]
    assert all("adopted_from" not in p for p in manifest["pages"])
    assert sorted(stored_pmids(run)) == sorted(i for i in ids if i != withdrawn)
    assert sorted(f.name for f in run.path.glob("*.gz")) == sorted(p["file"] for p in manifest["pages"])
    assert all(os.stat(run.path / p["file"]).st_nlink == 1 for p in manifest["pages"])
    assert all(donor.read_body(p) for p in raw_zone.open_run("pubmed", CUT_OFF).pages())


def test_split_windows_that_no_longer_add_up_are_searched_afresh(
    server: PubmedRecordedServer,
    pubmed_fixture_articles: list[FixtureArticle],
    raw_zone: RawZone,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The newest record, in a window the cut-off run never reached, is withdrawn before the resume:
    the windows then hold one record fewer than the taken-over first search counted."""
    donor = cut_off_run(server, raw_zone, after=BATCH // 2, client=small_cap(server))
    newest = server.articles[0].pmid  # served newest first; windows are fetched oldest first
    assert newest not in stored_pmids(donor)
    client = small_cap(server)
    server.set_term_pmids("migraine", [a.pmid for a in pubmed_fixture_articles if a.pmid != newest])
    run = raw_zone.start_run("pubmed", RESUMED)
    manifest = fetch_run(client, run, MIGRAINE, resume_from=donor)
    assert "no longer add up" in caplog.text and "searching again" in caplog.text
    assert manifest["n_records"] == manifest["total_count"] == N_ARTICLES - 1
    assert "resumed_from" not in manifest
    assert all("adopted_from" not in p for p in manifest["pages"])
    assert sorted(stored_pmids(run)) == sorted(a.pmid for a in pubmed_fixture_articles if a.pmid != newest)


# -- not taking over -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"batch_size": BATCH + 5}, id="other-batch-size"),
        pytest.param({"mode": "incremental"}, id="other-mode"),
        pytest.param({"query": "migraine[MeSH Terms]"}, id="other-term"),
        pytest.param({"mindate": "1990/01/01", "maxdate": "2030/12/31"}, id="other-dates"),
    ],
)
def test_a_run_with_another_plan_searches_afresh(
    server: PubmedRecordedServer, raw_zone: RawZone, change: dict[str, Any]
) -> None:
    donor = cut_off_run(server, raw_zone, after=BATCH)
    server.reset()
    run = raw_zone.start_run("pubmed", RESUMED)
    client = make_client(server, batch_size=change.pop("batch_size", BATCH))
    request = PubmedRequest(**{"query": "migraine", **change})
    manifest = fetch_run(client, run, request, resume_from=donor)
    assert manifest["n_records"] == manifest["total_count"] > 0
    assert_nothing_taken_over(server, run, manifest, donor)


@pytest.mark.parametrize(
    ("age", "resumed"),
    [(RESUME_WITHIN - timedelta(minutes=5), True), (RESUME_WITHIN + timedelta(minutes=5), False)],
)
def test_only_a_recent_search_is_taken_over(
    server: PubmedRecordedServer, raw_zone: RawZone, folder_settings: Settings, age: timedelta, resumed: bool
) -> None:
    """A same-night re-run resumes; a day-old search is not published as tonight's answer."""
    donor = cut_off_run(server, raw_zone, after=BATCH)
    searched_at = set_search_time(donor, datetime.now(UTC) - age)
    server.reset()
    run = raw_zone.start_run("pubmed", RESUMED)
    manifest = fetch_run(make_client(server), run, MIGRAINE, resume_from=raw_zone.open_run("pubmed", CUT_OFF))
    assert manifest["n_records"] == N_ARTICLES
    if not resumed:
        assert_nothing_taken_over(server, run, manifest, donor)
        return
    assert manifest["resumed_from"] == {"run_id": CUT_OFF, "n_responses_kept": 2}
    assert manifest["data_timestamp"] == searched_at
    # The next watermark is the day of the search the answer reflects, not the day the run started.
    search_day = searched_at[:10]
    assert watermark_after(folder_settings, RESUMED, "2099-01-01T00:00:00.000Z") == search_day
    assert watermark_after(folder_settings, RESUMED, manifest["started_at"]) == min(
        search_day, manifest["started_at"][:10]
    )


def test_a_damaged_search_takes_nothing_over(server: PubmedRecordedServer, raw_zone: RawZone) -> None:
    donor = cut_off_run(server, raw_zone, after=BATCH)
    path = donor.path / SEARCH
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()).replace(b"<Id>", b"<Id>9", 1)))
    server.reset()
    run = raw_zone.start_run("pubmed", RESUMED)
    manifest = fetch_run(make_client(server), run, MIGRAINE, resume_from=donor)
    assert manifest["n_records"] == N_ARTICLES
    assert_nothing_taken_over(server, run, manifest, donor)


def test_a_search_without_its_pmids_takes_nothing_over(
    server: PubmedRecordedServer, raw_zone: RawZone
) -> None:
    """A run from before ESearch asked for the PMIDs (retmax=0): its batches cannot be placed."""
    donor = cut_off_run(server, raw_zone, after=BATCH)
    record = record_of(donor, SEARCH)
    body = donor.read_body(record)
    start, end = body.index(b"<IdList>"), body.index(b"</IdList>") + len(b"</IdList>")
    stripped = body[:start] + b"<IdList/>" + body[end:]
    (donor.path / SEARCH).write_bytes(gzip.compress(stripped))
    rewrite_record(donor, SEARCH, sha256=hashlib.sha256(stripped).hexdigest())

    server.reset()
    run = raw_zone.start_run("pubmed", RESUMED)
    manifest = fetch_run(make_client(server), run, MIGRAINE, resume_from=raw_zone.open_run("pubmed", CUT_OFF))
    assert manifest["n_records"] == N_ARTICLES
    assert_nothing_taken_over(server, run, manifest, donor)


# -- through the pipeline step -------------------------------------------------------------------------


def test_the_fetch_step_resumes_the_cut_off_run(
    server: PubmedRecordedServer, folder_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``steps.fetch`` finds the cut-off run itself (real clock: a key allows 10 requests/s)."""
    monkeypatch.setenv("NCBI_API_KEY", "test-key")
    http = HttpSettings(requests_per_second=10.0, max_attempts=MAX_ATTEMPTS, backoff_initial_seconds=0.0)
    pubmed = PubmedSettings(
        base_url=server.base_url, email=EMAIL, batch_size=BATCH, query="migraine", http=http
    )
    folder_settings = folder_settings.model_copy(update={"sources": SourcesSettings(pubmed=pubmed)})
    with pytest.raises(FetchError, match="HTTP 503"):
        steps.fetch(folder_settings, "pubmed", CUT_OFF, on_progress=outage_after(server, BATCH))
    server.reset()
    manifest = steps.fetch(folder_settings, "pubmed", RESUMED)
    assert manifest["resumed_from"] == {"run_id": CUT_OFF, "n_responses_kept": 2}
    assert server.requests_to("esearch") == [] and len(server.requests_to("efetch")) == 2
    assert manifest["n_records"] == manifest["total_count"] == N_ARTICLES
    assert incomplete_raw_runs(folder_settings, ("pubmed",)) == []
