"""The recorded-response E-utilities server behaves like NCBI where the client depends on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import orjson
import pytest
import requests

from pipeline.demo.pubmed_records import load_articles
from tests.servers.corpus import RecordedCorpus, n_articles, shared_corpus
from tests.servers.pubmed_server import Fault, PubmedRecordedServer


@pytest.fixture(scope="module")
def server(corpus: RecordedCorpus) -> Iterator[PubmedRecordedServer]:
    with PubmedRecordedServer(corpus, max_ids=5) as recorded:
        yield recorded


def test_loader_keeps_recorded_bytes_and_entrez_dates(corpus: RecordedCorpus) -> None:
    articles = corpus.articles()
    assert len(articles) == len({a.pmid for a in articles}) == n_articles()
    for article in articles:
        (source,) = [
            f / article.source_file for f in corpus.pubmed_folders if (f / article.source_file).is_file()
        ]
        assert article.xml in source.read_bytes()
    by_pmid = {a.pmid: a for a in articles}
    # Both records are in the shared and the packaged set.
    assert by_pmid["22663011"].entrez_date == date(2012, 6, 6)  # History/PubMedPubDate[@PubStatus="entrez"]
    assert by_pmid["20647170"].entrez_date == date(2010, 7, 1)  # transcribed: PubDate 2010 Jul, no day


def test_the_shared_sets_hold_49_articles_18_about_migraine(fixtures_dir: Path) -> None:
    assert len(shared_corpus(fixtures_dir).articles()) == 49
    assert len(load_articles([fixtures_dir / "pubmed" / "migraine"])) == 18


def test_esearch_counts_everything_but_hands_out_only_the_cap(server: PubmedRecordedServer) -> None:
    server.reset()
    reply = requests.get(
        f"{server.base_url}/esearch.fcgi", params={"term": "x", "retmax": 100, "retmode": "json"}
    )
    result = orjson.loads(reply.content)["esearchresult"]
    assert result["count"] == str(n_articles()) and len(result["idlist"]) == 5
    beyond = requests.get(f"{server.base_url}/esearch.fcgi", params={"term": "x", "retstart": 5})
    assert b"<ERROR>" in beyond.content and b"cannot be larger than 4" in beyond.content


def test_esearch_filters_by_entrez_date_and_efetch_serves_history(server: PubmedRecordedServer) -> None:
    server.reset()
    params = {
        "term": "x",
        "usehistory": "y",
        "datetype": "edat",
        "mindate": "2023/01/01",
        "maxdate": "2023/12",
    }
    reply = requests.get(f"{server.base_url}/esearch.fcgi", params=params)
    expected = [a.pmid for a in server.articles if date(2023, 1, 1) <= a.entrez_date <= date(2023, 12, 31)]
    assert f"<Count>{len(expected)}</Count>".encode() in reply.content
    webenv = reply.text.split("<WebEnv>")[1].split("</WebEnv>")[0]
    fetched = requests.post(
        f"{server.base_url}/efetch.fcgi",
        data={
            "db": "pubmed",
            "WebEnv": webenv,
            "query_key": "1",
            "retstart": 0,
            "retmax": 10,
            "retmode": "xml",
        },
    )
    assert fetched.content.startswith(b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet')
    assert fetched.content.count(b"<PubmedArticle>") == len(expected)
    assert server.requests[-1].method == "POST" and server.requests[-1].params["WebEnv"] == webenv


def test_efetch_by_id_and_faults(server: PubmedRecordedServer) -> None:
    server.reset()
    url = f"{server.base_url}/efetch.fcgi"
    server.inject(Fault("http_429", retry_after="3"), Fault("rate_limit_json", status=200))
    first = requests.get(url, params={"id": "22663011"})
    assert first.status_code == 429 and first.headers["Retry-After"] == "3"
    second = requests.get(url, params={"id": "22663011"})
    assert second.status_code == 200 and orjson.loads(second.content)["error"] == "API rate limit exceeded"
    third = requests.get(url, params={"id": "22663011,99999999"})
    assert third.content.count(b"<PubmedArticle>") == 1
    empty = requests.get(url, params={"id": "99999999"})
    assert b"<ERROR>ID list is empty" in empty.content
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("http_418")


def test_unknown_paths_are_404(server: PubmedRecordedServer) -> None:
    reply = requests.post(f"{server.base_url}/einfo.fcgi", data={"db": "pubmed"})
    assert (reply.status_code, reply.text) == (404, "not found: /entrez/eutils/einfo.fcgi")
