"""A WebEnv that expires mid-run: NCBI history sessions last hours, and a long run can outlive its own.

EFetch through an expired WebEnv gets NCBI's "Cannot retrieve history data" error (inside HTTP 200, or
as a 400). Since ESearch lists the window's PMIDs, the run then fetches that batch and the rest of its
window by PMID and completes; it still fails when the PMIDs were not all listed, and an outage (HTTP
503) is never taken for an expiry. All against the recorded-response server on 127.0.0.1, on a fake clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import FetchError
from pipeline.raw.zone import RawRun, RawZone
from pipeline.sources.pubmed.client import PubmedClient
from pipeline.sources.pubmed.fetch import fetch_run
from pipeline.sources.pubmed.request import PubmedRequest
from pipeline.sources.pubmed.responses import parse_esearch
from tests.servers.corpus import n_articles, three_batch_size
from tests.servers.pubmed_server import (
    Fault,
    FixtureArticle,
    PubmedRecordedServer,
    pubmed_client,
    stored_pmids,
)

MAX_ATTEMPTS = 3
MIGRAINE = PubmedRequest("migraine")  # the query the recorded server answers with every article
N_ARTICLES = n_articles()  # 49 shared, 20 packaged
BATCH = three_batch_size(N_ARTICLES)  # 20 shared, 8 packaged: three batches, the last one short
REFUSED = "refused the WebEnv"

Progress = Callable[[int, int | None], None]


@pytest.fixture
def server(pubmed_server: PubmedRecordedServer) -> PubmedRecordedServer:
    return pubmed_server


@pytest.fixture
def raw_run(tmp_path: Path) -> RawRun:
    return RawZone(tmp_path / "raw").start_run("pubmed", "20261121T120000Z-abcd")


def make_client(server: PubmedRecordedServer, **options: Any) -> PubmedClient:
    return pubmed_client(server, max_attempts=MAX_ATTEMPTS, **{"batch_size": BATCH, **options})


def when_stored(n_records: int, action: Callable[[], Any]) -> Progress:
    """Run ``action`` once, as soon as ``n_records`` records (or more) are stored."""
    fired = False

    def on_progress(n_so_far: int, _total: int | None) -> None:
        nonlocal fired
        if n_so_far >= n_records and not fired:
            fired = True
            action()

    return on_progress


def searched_ids(run: RawRun, file: str = "esearch-0001.xml.gz") -> tuple[str, ...]:
    (record,) = [p for p in run.pages() if p.file == file]
    return parse_esearch(run.read_body(record)).ids


@pytest.mark.parametrize(("status", "attempts"), [(200, MAX_ATTEMPTS), (400, 1)])
def test_an_expired_webenv_is_replaced_by_the_searched_pmids(
    server: PubmedRecordedServer,
    raw_run: RawRun,
    caplog: pytest.LogCaptureFixture,
    status: int,
    attempts: int,
) -> None:
    """The error inside a 200 is retried first (it may be a hiccup); a 400 is refused at once."""
    expire = when_stored(BATCH, lambda: server.expire_webenv(status=status))
    with caplog.at_level(logging.WARNING):
        manifest = fetch_run(make_client(server), raw_run, MIGRAINE, on_progress=expire)

    ids = searched_ids(raw_run)
    assert len(ids) == N_ARTICLES
    fetches = server.requests_to("efetch")
    through_history = [r for r in fetches if "WebEnv" in r.params]
    by_pmid = [r for r in fetches if "id" in r.params]
    # Batch 1 through the WebEnv; batch 2 refused there, then by PMID; batch 3 straight by PMID.
    assert [r.params["retstart"] for r in through_history] == ["0"] + [str(BATCH)] * attempts
    assert fetches[: len(through_history)] == through_history
    assert [r.params["id"] for r in by_pmid] == [",".join(ids[BATCH : 2 * BATCH]), ",".join(ids[2 * BATCH :])]
    assert all(r.method == "POST" and r.query_string == "" for r in by_pmid)

    assert manifest["complete"] is True
    assert manifest["total_count"] == manifest["n_records"] == manifest["n_unique_records"] == N_ARTICLES
    assert [w["n_batches"] for w in manifest["windows"]] == [3]
    (lost,) = manifest["webenv_lost"]
    assert lost["esearch"] == "esearch-0001.xml" and lost["from_file"] == "efetch-0001-000002.xml"
    assert "Cannot retrieve history data" in lost["error"]
    assert stored_pmids(raw_run) == list(ids), "the same records, in the same order"
    pages = {p.file: p for p in raw_run.pages()}
    assert "WebEnv" in pages["efetch-0001-000001.xml.gz"].params
    assert pages["efetch-0001-000002.xml.gz"].params["id"] == ",".join(ids[BATCH : 2 * BATCH])
    for _, body in raw_run.iter_bodies():
        assert b"<ERROR>" not in body
    warnings = [r.getMessage() for r in caplog.records if REFUSED in r.getMessage()]
    assert len(warnings) == 1 and "esearch-0001.xml" in warnings[0]


def test_without_every_pmid_listed_an_expired_webenv_fails_the_run(
    server: PubmedRecordedServer, raw_run: RawRun
) -> None:
    """A search that listed only some PMIDs cannot stand in for its WebEnv: the run fails as before."""
    client = make_client(server)
    esearch = client.esearch
    client.esearch = lambda term, **kwargs: esearch(term, **{**kwargs, "retmax": 5})  # type: ignore[method-assign]
    expire = when_stored(BATCH, server.expire_webenv)
    with pytest.raises(FetchError, match=f"after {MAX_ATTEMPTS} attempts.*Cannot retrieve history data"):
        fetch_run(client, raw_run, MIGRAINE, on_progress=expire)
    assert len(searched_ids(raw_run)) == 5
    assert all("id" not in r.params for r in server.requests_to("efetch"))
    assert not raw_run.complete


def test_an_outage_is_not_taken_for_an_expired_webenv(server: PubmedRecordedServer, raw_run: RawRun) -> None:
    """HTTP 503 on every attempt is NCBI not answering: fetching by PMID would only double the wait."""
    outage = when_stored(BATCH, lambda: server.inject(*[Fault("http_503", endpoint="efetch")] * MAX_ATTEMPTS))
    with pytest.raises(FetchError, match="HTTP 503"):
        fetch_run(make_client(server), raw_run, MIGRAINE, on_progress=outage)
    assert all("id" not in r.params for r in server.requests_to("efetch"))
    assert server.pending_faults() == 0 and not raw_run.complete


def test_split_windows_replace_each_expired_webenv_once(
    server: PubmedRecordedServer,
    pubmed_fixture_articles: list[FixtureArticle],
    raw_run: RawRun,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Windows searched before the expiry lose their WebEnv, later windows keep their own fresh one."""
    server.set_max_ids(5)
    client = make_client(server, batch_size=2, max_retrievable=5)
    expired: list[str] = []
    n_before: list[int] = []

    def expire() -> None:
        n_before.append(len(server.requests))
        expired.extend(server.expire_webenv())

    with caplog.at_level(logging.WARNING):
        manifest = fetch_run(client, raw_run, MIGRAINE, on_progress=when_stored(7, expire))

    assert sorted(stored_pmids(raw_run)) == sorted(a.pmid for a in pubmed_fixture_articles), (
        "every record, once"
    )
    assert manifest["n_records"] == manifest["n_unique_records"] == manifest["total_count"] == N_ARTICLES
    assert all(w["n_records"] == w["count"] for w in manifest["windows"])
    after = server.requests[n_before[0] :]
    asked = {webenv: sum(r.params.get("WebEnv") == webenv for r in after) for webenv in expired}
    # An expired WebEnv is asked once more at most (one batch, with its retries), then never again.
    assert set(asked.values()) <= {0, MAX_ATTEMPTS} and MAX_ATTEMPTS in asked.values()
    lost = manifest["webenv_lost"]
    assert len(lost) == sum(n == MAX_ATTEMPTS for n in asked.values())
    assert len({entry["esearch"] for entry in lost}) == len(lost)
    assert len([r for r in caplog.records if REFUSED in r.getMessage()]) == len(lost)
    fresh = {r.params["WebEnv"] for r in after if "WebEnv" in r.params} - set(expired)
    assert fresh, "windows searched after the expiry are fetched through their own WebEnv"
