"""PubmedClient + fetch_run against the recorded-response E-utilities server on 127.0.0.1."""

from __future__ import annotations

import gzip
import itertools
import logging
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import FetchError, RawZoneError
from pipeline.raw.zone import RawRun, RawZone
from pipeline.sources.pubmed.client import PubmedClient, api_key_from_env
from pipeline.sources.pubmed.fetch import fetch_run
from pipeline.sources.pubmed.request import PubmedRequest
from tests.servers.corpus import RecordedCorpus, n_articles, n_batches
from tests.servers.fake_clock import FakeClock
from tests.servers.pubmed_server import Fault, PubmedRecordedServer, pubmed_client, stored_pmids

SECRET_KEY = "k3y-ncbi-0123456789abcdef"
MIGRAINE = PubmedRequest("migraine")  # the query the recorded server answers with every article
EMAIL = "curator@example.org"
N_ARTICLES = n_articles()  # 49 shared (31 recorded EFetch + 18 migraine articles), 20 packaged


def batch_files(n: int) -> list[str]:
    return [f"efetch-0001-{i:06d}.xml.gz" for i in range(1, n + 1)]


@pytest.fixture
def server(pubmed_server: PubmedRecordedServer) -> PubmedRecordedServer:
    return pubmed_server


@pytest.fixture
def raw_run(tmp_path: Path) -> RawRun:
    return RawZone(tmp_path / "raw").start_run("pubmed", "20261121T120000Z-abcd")


def make_client(server: PubmedRecordedServer, clock: FakeClock, **options: Any) -> PubmedClient:
    return pubmed_client(server, clock, **options)


def test_count_history_and_batches(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    client = make_client(server, FakeClock(), batch_size=20)
    manifest = fetch_run(client, raw_run, PubmedRequest("migraine[MeSH Terms]"))

    assert manifest["complete"] is True
    assert manifest["total_count"] == manifest["n_records"] == manifest["n_unique_records"] == N_ARTICLES
    assert manifest["windows"] == [
        {
            "mindate": None,
            "maxdate": None,
            "count": N_ARTICLES,
            "n_records": N_ARTICLES,
            "esearch": "esearch-0001.xml",
            "n_batches": n_batches(N_ARTICLES, 20),
        }
    ]
    (search,) = server.requests_to("esearch")
    # The PMIDs come with the search (up to the cap): a resumed run fetches missing batches by them.
    assert search.params["usehistory"] == "y" and search.params["retmax"] == str(client.max_retrievable)
    assert search.params["term"] == "migraine[MeSH Terms]"
    fetches = server.requests_to("efetch")
    starts = range(0, N_ARTICLES, 20)  # 49 shared articles: (0, 20), (20, 20), (40, 9)
    assert [(r.params["retstart"], r.params["retmax"]) for r in fetches] == [
        (str(start), str(min(20, N_ARTICLES - start))) for start in starts
    ]
    webenvs = {r.params["WebEnv"] for r in fetches}
    assert len(webenvs) == 1 and webenvs.pop().startswith("MCID_")
    assert all(r.params["query_key"] == "1" for r in fetches)
    assert [p.file for p in raw_run.pages()] == ["esearch-0001.xml.gz", *batch_files(len(starts))]
    assert sorted(stored_pmids(raw_run)) == sorted(a.pmid for a in server.articles)
    assert [p.n_records for p in raw_run.pages()] == [0] + [min(20, N_ARTICLES - s) for s in starts]


def test_stored_bodies_are_the_bytes_received(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    fetch_run(make_client(server, FakeClock(), batch_size=N_ARTICLES), raw_run, MIGRAINE)
    ((_, body),) = list(raw_run.iter_bodies("efetch"))
    for article in server.articles:
        assert article.xml in body


def test_date_windows_split_until_under_the_cap(
    corpus: RecordedCorpus, pubmed_fixture_articles: list, raw_run: RawRun
) -> None:
    with PubmedRecordedServer(corpus, articles=pubmed_fixture_articles, max_ids=5) as server:
        client = make_client(server, FakeClock(), batch_size=2, max_retrievable=5)
        manifest = fetch_run(client, raw_run, MIGRAINE)
        searches = server.requests_to("esearch")

    pmids = stored_pmids(raw_run)
    assert sorted(pmids) == sorted(a.pmid for a in pubmed_fixture_articles)  # every record, each exactly once
    windows = manifest["windows"]
    assert len(windows) > 1
    assert all(w["count"] <= 5 and w["n_records"] == w["count"] for w in windows)
    assert sum(w["count"] for w in windows) == N_ARTICLES == manifest["n_records"]
    assert all(r.params.get("datetype") == "edat" for r in searches[1:])
    ordered = sorted(windows, key=lambda w: w["mindate"])
    for before, after in itertools.pairwise(ordered):
        assert before["maxdate"] < after["mindate"]  # no overlap between windows


def test_mindate_maxdate_limit_the_run(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    client = make_client(server, FakeClock())
    manifest = fetch_run(
        client, raw_run, PubmedRequest("migraine", mindate="2015/01/01", maxdate="2020/12/31")
    )
    expected = sorted(
        a.pmid for a in server.articles if "2015-01-01" <= a.entrez_date.isoformat() <= "2020-12-31"
    )
    assert 0 < len(expected) < N_ARTICLES
    assert sorted(stored_pmids(raw_run)) == expected
    assert manifest["windows"][0]["mindate"] == "2015/01/01"
    (search,) = server.requests_to("esearch")
    assert (search.params["datetype"], search.params["mindate"], search.params["maxdate"]) == (
        "edat",
        "2015/01/01",
        "2020/12/31",
    )


def test_bad_dates_are_refused_before_any_request(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    client = make_client(server, FakeClock())
    with pytest.raises(FetchError, match="YYYY/MM/DD"):
        fetch_run(client, raw_run, PubmedRequest("migraine", mindate="2020-01-01"))
    with pytest.raises(FetchError, match="after maxdate"):
        fetch_run(client, raw_run, PubmedRequest("migraine", mindate="2021/01/01", maxdate="2020/01/01"))
    assert server.requests == []


def test_retry_after_is_honoured(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    clock = FakeClock()
    server.inject(
        Fault("http_429", endpoint="esearch", retry_after="7"), Fault("http_503", endpoint="efetch")
    )
    manifest = fetch_run(make_client(server, clock), raw_run, MIGRAINE)
    assert manifest["n_records"] == N_ARTICLES
    assert 7.0 in clock.sleeps
    assert len(server.requests_to("esearch")) == 2
    assert server.pending_faults() == 0


@pytest.mark.parametrize("status", [200, 429])
def test_rate_limit_json_body_is_retried(server: PubmedRecordedServer, raw_run: RawRun, status: int) -> None:
    server.inject(
        Fault("rate_limit_json", endpoint="esearch", status=status),
        Fault("rate_limit_json", endpoint="efetch", status=status),
    )
    manifest = fetch_run(make_client(server, FakeClock()), raw_run, MIGRAINE)
    assert manifest["n_records"] == N_ARTICLES
    n_efetch = n_batches(N_ARTICLES, 20) + 1  # every batch, one of them twice
    assert len(server.requests_to("esearch")) == 2 and len(server.requests_to("efetch")) == n_efetch
    for _, body in raw_run.iter_bodies():
        assert b"API rate limit exceeded" not in body


def test_error_in_200_is_retried(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    server.inject(Fault("error_in_200", endpoint="efetch", message="Cannot retrieve history data"))
    assert fetch_run(make_client(server, FakeClock()), raw_run, MIGRAINE)["n_records"] == N_ARTICLES
    assert len(server.requests_to("efetch")) == n_batches(N_ARTICLES, 20) + 1
    for _, body in raw_run.iter_bodies():
        assert b"<ERROR>" not in body


def test_error_in_200_that_persists_is_a_fetch_error(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    server.inject(*[Fault("error_in_200", endpoint="esearch", message="Search Backend failed")] * 4)
    with pytest.raises(FetchError, match="NCBI error: Search Backend failed") as failure:
        fetch_run(make_client(server, FakeClock(), max_attempts=4), raw_run, MIGRAINE)
    assert "\n" not in str(failure.value)
    assert len(server.requests_to("esearch")) == 4
    assert not raw_run.complete and raw_run.pages() == []


def test_truncated_batch_is_retried(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    server.inject(Fault("truncated", endpoint="efetch"))
    manifest = fetch_run(make_client(server, FakeClock(), batch_size=25), raw_run, MIGRAINE)
    assert manifest["n_records"] == N_ARTICLES
    assert len(server.requests_to("efetch")) == n_batches(N_ARTICLES, 25) + 1
    assert sorted(stored_pmids(raw_run)) == sorted(a.pmid for a in server.articles)


def test_persistent_truncation_ends_in_fetch_error(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    server.inject(*[Fault("truncated", endpoint="efetch")] * 3)
    with pytest.raises(FetchError, match=r"failed after 3 attempts.*not well-formed"):
        fetch_run(make_client(server, FakeClock(), max_attempts=3), raw_run, MIGRAINE)
    assert not raw_run.complete


def test_count_mismatch_is_a_fetch_error(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    server.set_missing({server.articles[3].pmid})
    n = N_ARTICLES  # 49 shared: "received 48 records in 3 batches but ESearch counted 49"
    with pytest.raises(
        FetchError, match=f"received {n - 1} records in {n_batches(n, 20)} batches but ESearch counted {n}"
    ):
        fetch_run(make_client(server, FakeClock()), raw_run, MIGRAINE)
    assert not raw_run.complete


def test_deleted_citations_are_listed_not_counted(
    corpus: RecordedCorpus, pubmed_fixture_articles: list, raw_run: RawRun
) -> None:
    with PubmedRecordedServer(corpus, articles=pubmed_fixture_articles, deleted_pmids=["11111111"]) as server:
        manifest = fetch_run(make_client(server, FakeClock()), raw_run, MIGRAINE)
    assert manifest["n_records"] == N_ARTICLES
    assert manifest["deleted_pmids"] == ["11111111"]


def test_second_fetch_on_the_same_run_starts_clean(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    fetch_run(make_client(server, FakeClock(), batch_size=10), raw_run, MIGRAINE)
    (raw_run.path / "manifest.json").unlink()  # as after a crash before the manifest
    manifest = fetch_run(make_client(server, FakeClock(), batch_size=25), raw_run, MIGRAINE)
    on_disk = sorted(p.name for p in raw_run.path.glob("*.gz"))
    assert on_disk == [*batch_files(n_batches(N_ARTICLES, 25)), "esearch-0001.xml.gz"]
    assert len(manifest["pages"]) == len(on_disk) and manifest["n_records"] == N_ARTICLES


def test_a_complete_run_is_not_fetched_over(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    fetch_run(make_client(server, FakeClock()), raw_run, MIGRAINE)
    with pytest.raises(RawZoneError, match="already complete"):
        fetch_run(make_client(server, FakeClock()), raw_run, MIGRAINE)
    assert raw_run.manifest()["n_records"] == N_ARTICLES
    assert all(raw_run.read_body(page) for page in raw_run.pages())


def test_progress_reports_records_against_the_total(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    seen: list[tuple[int, int | None]] = []
    fetch_run(
        make_client(server, FakeClock()),
        raw_run,
        MIGRAINE,
        on_progress=lambda d, t: seen.append((d, t)),
    )
    done = [min(k, N_ARTICLES) for k in range(20, N_ARTICLES + 20, 20)]  # 20, 40, 49 of 49 shared
    assert seen == [(0, N_ARTICLES)] + [(k, N_ARTICLES) for k in done]


# -- identity and the API key -------------------------------------------------------------------------


def test_tool_email_and_key_sent_but_key_never_written(
    server: PubmedRecordedServer, raw_run: RawRun, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.inject(Fault("http_503", endpoint="efetch"))
    fetch_run(make_client(server, FakeClock(), api_key=SECRET_KEY), raw_run, MIGRAINE)

    assert server.requests
    for request in server.requests:
        assert request.method == "POST" and request.query_string == ""  # nothing of it in the URL
        assert request.params["tool"] == "migraine-evidence-pipeline"
        assert request.params["email"] == EMAIL
        assert request.params["api_key"] == SECRET_KEY
        assert request.headers["User-Agent"] == "pipeline-tests/1.0"
    for path in raw_run.path.iterdir():
        data = path.read_bytes()
        text = gzip.decompress(data) if path.suffix == ".gz" else data
        assert SECRET_KEY.encode() not in text, path.name
    assert "api_key" not in raw_run.pages()[0].params
    # The recorded-response server's own access log (werkzeug) plays NCBI's side and may see the key.
    client_side = [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]
    assert any('"POST /entrez/eutils/efetch.fcgi' in m for m in client_side)  # urllib3 request lines
    assert any("HTTP 503" in m for m in client_side)  # the retry warning
    assert not [m for m in client_side if SECRET_KEY in m or EMAIL in m]


def test_key_echoed_by_ncbi_is_scrubbed_from_errors_and_retry_logs(
    server: PubmedRecordedServer, raw_run: RawRun, caplog: pytest.LogCaptureFixture
) -> None:
    echo = f"Invalid API key {SECRET_KEY} for {EMAIL}"
    server.inject(*[Fault("error_in_200", endpoint="esearch", message=echo)] * 2)
    client = make_client(server, FakeClock(), api_key=SECRET_KEY, max_attempts=2)
    with (
        caplog.at_level(logging.WARNING),
        pytest.raises(FetchError, match=r"Invalid API key \*\*\*") as failure,
    ):
        fetch_run(client, raw_run, MIGRAINE)
    assert SECRET_KEY not in str(failure.value) and EMAIL not in str(failure.value)
    retry_lines = [r.getMessage() for r in caplog.records if r.name == "pipeline.http.retry"]
    assert len(retry_lines) == 1 and "Invalid API key ***" in retry_lines[0]
    assert SECRET_KEY not in retry_lines[0]


def test_long_query_travels_in_the_form_body(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    # As long as the default query built from the treatment classes (~5,400 characters).
    query = "migraine[MeSH Terms] AND (" + " OR ".join(f'"term number {i}"[tiab]' for i in range(260)) + ")"
    assert len(query) > 6_000
    manifest = fetch_run(make_client(server, FakeClock()), raw_run, PubmedRequest(query))
    assert manifest["n_records"] == N_ARTICLES
    (search,) = server.requests_to("esearch")
    assert search.method == "POST" and search.query_string == "" and search.params["term"] == query
    assert all(r.method == "POST" and r.query_string == "" for r in server.requests_to("efetch"))
    assert raw_run.pages()[0].params["term"] == query
    assert raw_run.pages()[0].url == f"{server.base_url}/esearch.fcgi"


def test_key_absent_from_error_messages(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    server.inject(*[Fault("http_503", endpoint="esearch")] * 2)
    client = make_client(server, FakeClock(), api_key=SECRET_KEY, max_attempts=2)
    with pytest.raises(FetchError, match="HTTP 503") as failure:
        fetch_run(client, raw_run, MIGRAINE)
    assert SECRET_KEY not in str(failure.value)
    assert SECRET_KEY not in repr(client)


def test_no_key_sent_without_one(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    fetch_run(make_client(server, FakeClock()), raw_run, MIGRAINE)
    assert all("api_key" not in r.params for r in server.requests)


def test_api_key_comes_from_the_environment() -> None:
    assert api_key_from_env({"NCBI_API_KEY": f"  {SECRET_KEY}\n"}) == SECRET_KEY
    assert api_key_from_env({"NCBI_API_KEY": "  "}) is None
    assert api_key_from_env({}) is None


@pytest.mark.parametrize(
    ("configured", "api_key", "interval"),
    [(3.0, None, 1 / 3), (20.0, None, 1 / 3), (20.0, SECRET_KEY, 1 / 10), (1.0, SECRET_KEY, 1.0)],
)
def test_rate_limit_interval_follows_the_key_rule(
    server: PubmedRecordedServer, configured: float, api_key: str | None, interval: float
) -> None:
    clock = FakeClock()
    client = make_client(server, clock, api_key=api_key, requests_per_second=configured)
    for _ in range(3):
        client.esearch("migraine")
    assert clock.sleeps == pytest.approx([interval, interval])
