"""The whole refresh with both sources, against both recorded-response servers.

The real PubMed records carry no link to the real registry records we hold, so one edit makes a route
testable: a copy of the registry record of PREEMPT 1 (NCT00156910, transcribed without its references)
gets a RESULT reference to PMID 20647170, the PREEMPT 1 results paper that is among the recorded
articles. Everything else is served as recorded.
"""

from __future__ import annotations

import copy
import gzip
import os
from pathlib import Path

import pytest

from pipeline.cli import EXIT_ERROR, EXIT_OK, main
from pipeline.config import load_config
from tests.e2e.e2e_support import query, write_config
from tests.servers.ctgov_server import CtgovRecordedServer
from tests.servers.pubmed_server import Fault, PubmedRecordedServer

pytestmark = pytest.mark.e2e

PREEMPT_1 = "NCT00156910"
PREEMPT_1_PAPER = "20647170"
DELETED_PMID = "31876735"
API_KEY = "e2e-secret-key-0123456789"


def with_result_reference(studies: list[dict]) -> list[dict]:
    edited = copy.deepcopy(studies)
    for study in edited:
        protocol = study["protocolSection"]
        if protocol["identificationModule"]["nctId"] == PREEMPT_1:
            protocol["referencesModule"] = {
                "references": [{"pmid": PREEMPT_1_PAPER, "type": "RESULT", "citation": "Added by this test."}]
            }
    return edited


@pytest.fixture(scope="module")
def both(tmp_path_factory, corpus, ctgov_fixture_studies):
    tmp = tmp_path_factory.mktemp("e2e_both")
    studies = with_result_reference(ctgov_fixture_studies)
    previous_key = os.environ.get("NCBI_API_KEY")
    os.environ["NCBI_API_KEY"] = API_KEY
    try:
        with (
            CtgovRecordedServer(studies) as ctgov,
            PubmedRecordedServer(corpus, deleted_pmids=[DELETED_PMID]) as pubmed,
        ):
            pubmed.inject(
                Fault("http_429", endpoint="esearch", retry_after="1"),
                Fault("error_in_200", endpoint="efetch"),
                Fault("truncated", endpoint="efetch"),
                Fault("rate_limit_json", endpoint="efetch", status=200),
            )
            cfg = write_config(tmp, ctgov_url=ctgov.base_url, pubmed_url=pubmed.base_url)
            code = main(["--config", str(cfg), "refresh", "--source", "all"])
            pubmed_requests = list(pubmed.requests)
            n_articles = len(pubmed.articles)
            pending = pubmed.pending_faults()
    finally:
        if previous_key is None:
            os.environ.pop("NCBI_API_KEY", None)
        else:
            os.environ["NCBI_API_KEY"] = previous_key
    assert code == EXIT_OK
    return {
        "config": cfg,
        "settings": load_config(cfg),
        "requests": pubmed_requests,
        "n_articles": n_articles,
        "pending_faults": pending,
    }


def test_pubmed_was_fetched_through_history_batches_and_faults(both):
    requests = both["requests"]
    assert both["pending_faults"] == 0, "every injected fault was served and survived"
    assert {r.endpoint for r in requests} >= {"esearch", "efetch"}
    efetches = [r for r in requests if r.endpoint == "efetch"]
    assert all("WebEnv" in r.params and "query_key" in r.params for r in efetches)
    assert all(r.params.get("tool") and r.params.get("email") for r in requests)
    assert all(r.params.get("api_key") == API_KEY for r in requests)


def test_publications_reach_the_warehouse_and_deletions_are_applied(both):
    warehouse = both["settings"].warehouse.path
    pmids = {p for (p,) in query(warehouse, "SELECT pmid FROM publications")}
    assert PREEMPT_1_PAPER in pmids
    assert DELETED_PMID not in pmids, "a DeleteCitation removes the PMID from the warehouse"
    assert len(pmids) == both["n_articles"] - 1
    registry = query(
        warehouse,
        "SELECT registry, accession, found_in FROM publication_registry_ids WHERE pmid = '22663011' "
        "ORDER BY found_in",
    )
    assert ("ClinicalTrials.gov", "NCT01245062", "databank") in registry


def test_trial_and_publication_are_linked(both):
    warehouse = both["settings"].warehouse.path
    links = query(
        warehouse,
        "SELECT link_source, reference_type FROM trial_publications WHERE nct_id = ? AND pmid = ?",
        PREEMPT_1,
        PREEMPT_1_PAPER,
    )
    assert links == [("ctgov_reference", "RESULT")]
    row = query(
        warehouse,
        "SELECT linked_pmids, has_results, results_route FROM evidence_trials "
        "WHERE nct_id = ? AND treatment_class = 'botulinum_toxin'",
        PREEMPT_1,
    )
    # the registry record says results were posted, and the results paper is linked: both routes
    assert row == [([PREEMPT_1_PAPER], True, "both")]


def test_evidence_counts_publications_per_class(both):
    warehouse = both["settings"].warehouse.path
    counts = dict(
        query(warehouse, "SELECT treatment_class, max(n_publications) FROM evidence GROUP BY treatment_class")
    )
    assert counts["botulinum_toxin"] >= 3  # three onabotulinumtoxinA papers are among the recorded articles
    assert counts["cgrp_antibody"] >= 5
    published = query(
        warehouse,
        "SELECT sum(n_trials_with_published_results) FROM evidence WHERE treatment_class = 'botulinum_toxin'",
    )
    assert published == [(1,)]


def test_api_key_never_stored(both):
    data_dir = both["settings"].storage.data_dir
    for path in (data_dir / "raw" / "pubmed").rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            if path.suffix == ".gz":
                content = gzip.decompress(content)
            assert API_KEY.encode() not in content, path


def test_pubmed_failure_keeps_previous_warehouse(both, capsys):
    """A refresh whose PubMed source keeps failing builds nothing: the last good warehouse stays."""
    settings = both["settings"]
    before = settings.warehouse.path.read_bytes()
    assert main(["--config", str(both["config"]), "refresh", "--source", "pubmed"]) == EXIT_ERROR
    assert "error:" in capsys.readouterr().err
    assert settings.warehouse.path.read_bytes() == before


def test_rebuild_replays_both_sources(both):
    settings = both["settings"]
    snapshot = "SELECT nct_id, pmid, link_source FROM trial_publications ORDER BY ALL"
    before = query(settings.warehouse.path, snapshot)
    pubs_before = query(settings.warehouse.path, "SELECT count(*) FROM publications")
    assert main(["--config", str(both["config"]), "rebuild"]) == EXIT_OK
    assert query(settings.warehouse.path, snapshot) == before
    assert query(settings.warehouse.path, "SELECT count(*) FROM publications") == pubs_before


def test_raw_zone_holds_every_response(both):
    raw = Path(both["settings"].storage.data_dir) / "raw"
    pubmed_runs = [p for p in (raw / "pubmed").iterdir() if (p / "manifest.json").exists()]
    ctgov_runs = [p for p in (raw / "ctgov").iterdir() if (p / "manifest.json").exists()]
    assert len(pubmed_runs) == 1 and len(ctgov_runs) == 1
    assert list(pubmed_runs[0].glob("esearch-*.gz")) and list(pubmed_runs[0].glob("efetch-*.gz"))
