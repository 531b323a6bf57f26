"""PubMed drift control: an incremental run also re-reads the oldest-read PMIDs, by PMID.

The main query's ESearch only finds records entered or revised since the watermark; a record revised
without a new [MDAT] would never be read again before a full pull. The drift slice is fetched after the
main query with EFetch by explicit PMIDs (POST), stored as ``drift-*.xml`` EFetch bodies, kept out of
the main query's reconciliation, and always read afresh by a resumed run. Against the recorded-response
E-utilities server on 127.0.0.1, on a fake clock.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipeline import steps
from pipeline.config import (
    HttpSettings,
    PubmedSettings,
    Settings,
    SourcesSettings,
    StorageSettings,
    TreatmentClass,
)
from pipeline.errors import FetchError
from pipeline.parquet.writer import partition_dir
from pipeline.raw.zone import RawZone
from pipeline.runs.log import RunLog
from pipeline.runs.source_plan import SourcePlan
from pipeline.runs.status import source_summary
from pipeline.sources.pubmed.client import PubmedClient
from pipeline.sources.pubmed.fetch import fetch_run
from pipeline.sources.pubmed.normalise.run import normalise_run
from pipeline.sources.pubmed.normalise.schemas import TABLES
from pipeline.sources.pubmed.request import PubmedRequest
from pipeline.sources.pubmed.source import incremental_term
from tests.servers.corpus import n_articles
from tests.servers.pubmed_server import Fault, PubmedRecordedServer, pubmed_client, stored_pmids

MAX_ATTEMPTS = 3
UNKNOWN = "99999999"  # a PMID EFetch does not return
RUN = "20261121T030000Z-aaaa"
RESUMED = "20261121T040000Z-bbbb"
PROVENANCE = ["run_id", "fetched_at", "data_timestamp"]
N_ARTICLES = n_articles()  # 49 shared, 20 packaged
BATCH = -(-N_ARTICLES // 5)  # 10 shared, 4 packaged
MAIN = 3 * BATCH  # the main query below finds the newest MAIN records, in three batches


def chunks(pmids: Sequence[str]) -> list[list[str]]:
    return [list(pmids[i : i + BATCH]) for i in range(0, len(pmids), BATCH)]


@pytest.fixture
def server(pubmed_server: PubmedRecordedServer) -> PubmedRecordedServer:
    return pubmed_server


@pytest.fixture
def ids(server: PubmedRecordedServer) -> list[str]:
    """Every PMID, in the server's (newest first) order; the main query below finds the first MAIN."""
    pmids = [a.pmid for a in server.articles]
    assert UNKNOWN not in pmids
    server.set_term_pmids("migraine", pmids[:MAIN])
    return pmids


def make_client(server: PubmedRecordedServer, *, batch_size: int = BATCH) -> PubmedClient:
    return pubmed_client(server, batch_size=batch_size, max_attempts=MAX_ATTEMPTS)


def by_pmid(server: PubmedRecordedServer) -> list[str]:
    return [r.params["id"] for r in server.requests_to("efetch") if "id" in r.params]


def test_drift_pmids_are_re_read_by_pmid_after_the_main_query(
    server: PubmedRecordedServer, ids: list[str], raw_zone: RawZone, caplog: pytest.LogCaptureFixture
) -> None:
    run = raw_zone.start_run("pubmed", RUN)
    # 5 the main query fetches anyway, 1 PubMed lacks (never alone in a batch), the rest not
    drift = [*ids[MAIN - 5 : MAIN], UNKNOWN, *ids[MAIN:]]
    drift_batches = chunks([UNKNOWN, *ids[MAIN:]])  # shared: the unknown one and 9, then 10
    with caplog.at_level(logging.WARNING):
        manifest = fetch_run(
            make_client(server), run, PubmedRequest("migraine", mode="incremental", drift_ids=drift)
        )

    fetches = server.requests_to("efetch")
    assert len(server.requests_to("esearch")) == 1
    assert [r.params.get("retstart") for r in fetches[:3]] == ["0", str(BATCH), str(2 * BATCH)], "main first"
    assert by_pmid(server) == [",".join(batch) for batch in drift_batches]
    assert all(r.method == "POST" and r.query_string == "" for r in fetches)

    # The main query reconciles on its own; the drift slice has its own section.
    assert manifest["total_count"] == manifest["n_records"] == manifest["n_unique_records"] == MAIN
    assert [(w["count"], w["n_records"], w["n_batches"]) for w in manifest["windows"]] == [(MAIN, MAIN, 3)]
    assert manifest["drift"] == {
        "n_ids_requested": N_ARTICLES - MAIN + 1,
        "n_ids_in_main_query": 5,
        "n_records": N_ARTICLES - MAIN,
        "batches": [
            {
                "file": f"drift-{n:06d}.xml",
                "n_ids_requested": len(batch),
                "n_records": len(batch) - (UNKNOWN in batch),
            }
            for n, batch in enumerate(drift_batches, start=1)
        ],
        "missing_pmids": [UNKNOWN],
        "deleted_pmids": [],
    }
    assert "webenv_lost" not in manifest
    assert any(UNKNOWN in r.getMessage() and "only a full pull" in r.getMessage() for r in caplog.records)

    pages = manifest["pages"]
    drift_files = [f"drift-{n:06d}.xml.gz" for n in range(1, len(drift_batches) + 1)]
    assert [p["file"] for p in pages][-len(drift_batches) :] == drift_files
    assert {p["kind"] for p in pages if p["file"].startswith("drift")} == {"efetch"}
    assert pages == [p.as_json() for p in raw_zone.open_run("pubmed", RUN).pages()]
    efetch_records = sum(p["n_records"] for p in pages if p["kind"] == "efetch")
    assert efetch_records == manifest["n_records"] + manifest["drift"]["n_records"]
    assert stored_pmids(run) == ids, "each PMID stored once: the main query's, then the drift slice's"
    assert stored_pmids(run, "drift") == ids[MAIN:]


def test_a_re_read_normalises_like_an_ordinary_read(
    server: PubmedRecordedServer, ids: list[str], raw_zone: RawZone, tmp_path: Path
) -> None:
    """Only provenance tells a drift re-read from a record fetched by the query: the warehouse's newest
    read wins, so an unchanged record keeps its content and only moves to the back of the drift queue."""
    drifted = raw_zone.start_run("pubmed", RUN)
    fetch_run(
        make_client(server), drifted, PubmedRequest("migraine", mode="incremental", drift_ids=ids[MAIN:])
    )
    server.reset()  # the whole query, as a full pull reads it
    whole = raw_zone.start_run("pubmed", "20261121T020000Z-0000")
    fetch_run(make_client(server), whole, PubmedRequest("migraine"))

    roots = {run.run_id: tmp_path / run.run_id for run in (drifted, whole)}
    for run in (drifted, whole):
        normalise_run(run, roots[run.run_id])
    for table in TABLES:  # both runs store the records in the same order: the query's, newest first
        got, want = (
            pq.read_table(partition_dir(roots[r.run_id], table, r.run_id), partitioning=None).drop_columns(
                PROVENANCE
            )
            for r in (drifted, whole)
        )
        assert got.equals(want), table
    publications = pq.read_table(partition_dir(roots[RUN], "publications", RUN), partitioning=None)
    assert publications.num_rows == len(set(publications.column("pmid").to_pylist())) == len(ids)
    drift_page = next(p for p in drifted.pages() if p.file == "drift-000001.xml.gz")
    fetched = {
        pmid: at
        for pmid, at in zip(
            publications.column("pmid").to_pylist(),
            publications.column("fetched_at").to_pylist(),
            strict=True,
        )
    }
    assert fetched[ids[MAIN]] == drifted.fetched_at_of(drift_page), "a re-read counts as read then"


def test_without_drift_ids_nothing_more_is_asked(
    server: PubmedRecordedServer, ids: list[str], raw_zone: RawZone
) -> None:
    manifest = fetch_run(
        make_client(server), raw_zone.start_run("pubmed", RUN), PubmedRequest("migraine", mode="incremental")
    )
    assert by_pmid(server) == []
    assert manifest["drift"] == {
        "n_ids_requested": 0,
        "n_ids_in_main_query": 0,
        "n_records": 0,
        "batches": [],
        "missing_pmids": [],
        "deleted_pmids": [],
    }


def test_drift_pmids_the_main_query_fetched_are_not_asked_again(
    server: PubmedRecordedServer, ids: list[str], raw_zone: RawZone
) -> None:
    run = raw_zone.start_run("pubmed", RUN)
    manifest = fetch_run(
        make_client(server), run, PubmedRequest("migraine", mode="incremental", drift_ids=ids[:12] * 2)
    )
    assert by_pmid(server) == []
    assert manifest["drift"]["n_ids_requested"] == 0 and manifest["drift"]["n_ids_in_main_query"] == 12
    assert sorted(stored_pmids(run)) == sorted(ids[:MAIN])


def test_drift_records_do_not_make_up_for_a_short_main_query(
    server: PubmedRecordedServer, ids: list[str], raw_zone: RawZone
) -> None:
    """A record the main query counted but EFetch did not return still fails the run."""
    server.set_missing({ids[3]})
    run = raw_zone.start_run("pubmed", RUN)
    with pytest.raises(
        FetchError, match=f"received {MAIN - 1} records in 3 batches but ESearch counted {MAIN}"
    ):
        fetch_run(
            make_client(server), run, PubmedRequest("migraine", mode="incremental", drift_ids=ids[MAIN:])
        )
    assert not run.complete


def test_a_full_pull_takes_no_drift_ids(
    server: PubmedRecordedServer, ids: list[str], raw_zone: RawZone
) -> None:
    """A full pull reads everything; a re-read PMID the query no longer returns would escape removal."""
    run = raw_zone.start_run("pubmed", RUN)
    with pytest.raises(FetchError, match="full pull takes no drift ids"):
        fetch_run(make_client(server), run, PubmedRequest("migraine", mode="full", drift_ids=ids[MAIN:]))
    assert server.requests == [] and run.pages() == [] and run.started() is None


def test_a_resumed_run_takes_the_main_query_over_and_reads_the_drift_slice_afresh(
    server: PubmedRecordedServer, ids: list[str], raw_zone: RawZone
) -> None:
    """Cut off in its drift slice (an outage outlasting the retries of the second batch), a run leaves
    its main query and one drift body; the next run takes over the former only."""
    donor = raw_zone.start_run("pubmed", RUN)
    client = make_client(server)
    by_ids = client.efetch_ids

    def outage_on_second_batch(pmids: Sequence[str]) -> Any:
        if pmids[0] == ids[MAIN + BATCH]:
            server.inject(*[Fault("http_503", endpoint="efetch")] * MAX_ATTEMPTS)
        return by_ids(pmids)

    client.efetch_ids = outage_on_second_batch  # type: ignore[method-assign]
    with pytest.raises(FetchError, match="HTTP 503"):
        fetch_run(client, donor, PubmedRequest("migraine", mode="incremental", drift_ids=ids[MAIN:]))
    donor = raw_zone.open_run("pubmed", RUN)
    assert [p.file for p in donor.pages()][-1] == "drift-000001.xml.gz"

    server.reset()
    server.set_term_pmids("migraine", ids[:MAIN])
    run = raw_zone.start_run("pubmed", RESUMED)
    manifest = fetch_run(
        make_client(server),
        run,
        PubmedRequest("migraine", mode="incremental", drift_ids=ids[MAIN:]),
        resume_from=donor,
    )

    assert server.requests_to("esearch") == []
    assert all("WebEnv" not in r.params for r in server.requests_to("efetch"))
    assert by_pmid(server) == [",".join(b) for b in chunks(ids[MAIN:])], "the drift slice read afresh"
    assert manifest["resumed_from"] == {"run_id": RUN, "n_responses_kept": 4}, "search and 3 batches"
    assert manifest["n_records"] == MAIN and manifest["drift"]["n_records"] == len(ids) - MAIN
    for page in manifest["pages"]:
        drift = page["file"].startswith("drift")
        assert ("adopted_from" in page) != drift, page["file"]
        assert (os.stat(run.path / page["file"]).st_nlink == 1) == drift
    assert stored_pmids(run) == ids
    assert donor.taken_over_by() == RESUMED


def test_the_fetch_step_passes_the_plans_drift_ids_and_logs_the_counts(
    server: PubmedRecordedServer, ids: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``steps.fetch`` re-reads the planned slice; the run log (``evidence status``) shows it."""
    monkeypatch.setenv("NCBI_API_KEY", "test-key")  # 10 requests/s: the step's client has a real clock
    http = HttpSettings(requests_per_second=10.0, max_attempts=MAX_ATTEMPTS, backoff_initial_seconds=0.0)
    settings = Settings(
        storage=StorageSettings(data_dir=tmp_path / "data"),
        treatment_classes={"gepant": TreatmentClass(label="Gepants", terms=["gepant"])},
        sources=SourcesSettings(
            pubmed=PubmedSettings(base_url=server.base_url, batch_size=20, query="migraine", http=http)
        ),
    )
    plan = SourcePlan("pubmed", "incremental", "test", "2026-11-20", "2026-11-19", tuple(ids[-5:]))
    server.set_term_pmids(incremental_term("migraine", plan), ids[:10])
    RunLog(settings.storage.data_dir).start(RUN, "incremental", {"pubmed": plan.as_record()})

    manifest = steps.fetch(settings, "pubmed", RUN, plan=plan.as_record())

    assert by_pmid(server) == [",".join(ids[-5:])]
    assert manifest["n_records"] == 10 and manifest["drift"]["n_records"] == 5
    summary = source_summary(RunLog(settings.storage.data_dir).get(RUN), "pubmed")
    assert summary["n_records"] == 10 and summary["n_drift_records"] == 5
    assert RunLog(settings.storage.data_dir).get(RUN).sources["pubmed"]["n_drift_ids"] == 5


def test_a_drift_batch_ncbi_refuses_is_reported_and_the_run_completes(
    server: PubmedRecordedServer, ids: list[str], raw_zone: RawZone
) -> None:
    """A batch of PMIDs PubMed no longer knows gets "ID list is empty!": a night is not lost over it."""
    gone = [f"9{n:07d}" for n in range(3)]
    run = raw_zone.start_run("pubmed", RUN)
    manifest = fetch_run(
        make_client(server, batch_size=3),
        run,
        PubmedRequest("migraine", mode="incremental", drift_ids=[*gone, *ids[MAIN : MAIN + 3]]),
    )

    assert manifest["complete"] is True
    assert manifest["drift"]["missing_pmids"] == gone
    refused, kept = manifest["drift"]["batches"]
    assert refused["file"] is None and "ID list is empty" in refused["refused"]
    assert len(server.requests_to("efetch")) == MAIN // 3 + MAX_ATTEMPTS + 1, (
        "main query, refused batch retried, drift"
    )
    assert kept == {"file": "drift-000002.xml", "n_ids_requested": 3, "n_records": 3}
    assert stored_pmids(run, "drift") == ids[MAIN : MAIN + 3]
