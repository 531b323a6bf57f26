"""ESearch/EFetch body readers against real recorded NCBI responses."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.http.retry import InvalidBody
from pipeline.sources.pubmed.responses import json_error, parse_esearch, summarise_efetch
from tests.servers.corpus import RecordedCorpus


def _esearch(fixtures_dir: Path, name: str) -> bytes:
    return (fixtures_dir / "pubmed" / "esearch-xml" / name).read_bytes()


def _esearch_json(fixtures_dir: Path, prefix: str) -> bytes:
    (path,) = (fixtures_dir / "pubmed" / "esearch-json").glob(f"{prefix}*.json")
    return path.read_bytes()


def test_esearch_xml_with_history(fixtures_dir: Path) -> None:
    result = parse_esearch(_esearch(fixtures_dir, "biopython_esearch2.xml"), require_history=True)
    assert result.count == 42249
    assert (result.retmax, result.retstart) == (100, 0)
    assert len(result.ids) == 100 and result.ids[0] == "41297076"
    assert result.webenv == "MCID_6927d6e7fee3e90f880ec190"
    assert result.query_key == "1"


def test_esearch_xml_count_is_the_result_count_not_a_term_count(fixtures_dir: Path) -> None:
    # esearch5 carries TranslationStack/TermSet/Count values (109831, ...) besides the real Count.
    result = parse_esearch(_esearch(fixtures_dir, "biopython_esearch5.xml"))
    assert result.count == 5
    assert result.ids == ("6540636", "5830998", "4460425", "4466840", "3443459")
    assert result.webenv is None


def test_esearch_xml_without_history_and_with_phrase_not_found(fixtures_dir: Path) -> None:
    author = parse_esearch(_esearch(fixtures_dir, "eutils_esearch_hart_rk_author.xml"), require_history=True)
    assert (author.count, len(author.ids), author.query_key) == (8, 8, "1")
    assert author.webenv is not None and author.webenv.startswith("NCID_1_")
    # ErrorList/PhraseNotFound is a warning about the query, not a failed request.
    empty = parse_esearch(_esearch(fixtures_dir, "biopython_esearch8.xml"), require_history=True)
    assert (empty.count, empty.ids) == (0, ())


def test_esearch_missing_history_is_an_invalid_body(fixtures_dir: Path) -> None:
    body = _esearch(fixtures_dir, "biopython_esearch1.xml")  # Count 63, no WebEnv
    assert parse_esearch(body).count == 63
    with pytest.raises(InvalidBody, match="WebEnv"):
        parse_esearch(body, require_history=True)


def test_esearch_json_bodies(fixtures_dir: Path) -> None:
    small = parse_esearch(_esearch_json(fixtures_dir, "biomcp_2ebc"))
    assert small.count == 3 and small.ids == ("32150788", "29373119", "17427195")
    large = parse_esearch(_esearch_json(fixtures_dir, "biomcp_4c7a"))
    assert large.count == 40362 and len(large.ids) == 100 and large.retmax == 100


def test_rate_limit_json_is_an_error_not_a_result(fixtures_dir: Path) -> None:
    body = _esearch_json(fixtures_dir, "biomcp_25d28")
    assert json_error(body) == "API rate limit exceeded"
    with pytest.raises(InvalidBody, match="API rate limit exceeded"):
        parse_esearch(body)
    with pytest.raises(InvalidBody, match="API rate limit exceeded"):
        summarise_efetch(body)


def test_esearch_error_bodies() -> None:
    with pytest.raises(InvalidBody, match="NCBI error: Search Backend failed"):
        parse_esearch(b"<eSearchResult><ERROR>Search Backend failed</ERROR></eSearchResult>")
    with pytest.raises(InvalidBody, match="Unable to obtain query #1"):
        parse_esearch(b'{"esearchresult": {"ERROR": "Unable to obtain query #1"}}')
    with pytest.raises(InvalidBody, match="not well-formed"):
        parse_esearch(b"<eSearchResult><Count>3</Count><IdList><Id>1</Id>")
    with pytest.raises(InvalidBody, match="not a count"):
        parse_esearch(b"<eSearchResult><Count>many</Count></eSearchResult>")


def test_efetch_counts_every_recorded_article(fixtures_dir: Path) -> None:
    files = sorted((fixtures_dir / "pubmed" / "efetch").glob("*.xml"))
    summaries = {path.name: summarise_efetch(path.read_bytes()) for path in files}
    assert sum(s.n_records for s in summaries.values()) == 31  # fixtures README: 31 PubmedArticle records
    assert summaries["biopython_pubmed1.xml"].n_records == 2
    assert summaries["pubmed-client_35123456.xml"].pmids == ("35123456",)
    # PMIDs in CommentsCorrections belong to other records and are not counted as this one's.
    assert all(len(s.pmids) == s.n_records for s in summaries.values())


def test_efetch_truncated_or_error_bodies_are_invalid(fixtures_dir: Path) -> None:
    body = (fixtures_dir / "pubmed" / "efetch" / "biopython_pubmed4.xml").read_bytes()
    with pytest.raises(InvalidBody, match="not well-formed"):
        summarise_efetch(body[: len(body) // 2])
    error = (
        b'<?xml version="1.0" encoding="UTF-8" ?>\n<eFetchResult>\n\t<ERROR>Cannot retrieve history data.'
        b"</ERROR>\n</eFetchResult>\n"
    )
    with pytest.raises(InvalidBody, match="Cannot retrieve history data"):
        summarise_efetch(error)
    with pytest.raises(InvalidBody, match="expected a PubmedArticleSet"):
        summarise_efetch(b"<html><body>Service unavailable</body></html>")
    with pytest.raises(InvalidBody):
        summarise_efetch(b"")


def test_efetch_delete_citations_are_not_records() -> None:
    body = (
        b'<PubmedArticleSet><DeleteCitation><PMID Version="1">111</PMID><PMID Version="1">222</PMID>'
        b"</DeleteCitation></PubmedArticleSet>"
    )
    summary = summarise_efetch(body)
    assert (summary.n_records, summary.pmids, summary.deleted_pmids) == (0, (), ("111", "222"))


# -- twins on the served set (shared or packaged) and on bodies written to NCBI's documented format ------

HANDWRITTEN_ESEARCH = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b"<eSearchResult><Count>3</Count><RetMax>2</RetMax><RetStart>0</RetStart><QueryKey>1</QueryKey>"
    b"<WebEnv>MCID_handwritten</WebEnv><IdList><Id>90000102</Id><Id>90000101</Id></IdList>"
    b"<TranslationSet/><TranslationStack><TermSet><Term>migraine[All Fields]</Term><Count>999</Count>"
    b"</TermSet></TranslationStack><QueryTranslation>migraine[All Fields]</QueryTranslation>"
    b"</eSearchResult>\n"
)


def test_handwritten_esearch_with_history() -> None:
    result = parse_esearch(HANDWRITTEN_ESEARCH, require_history=True)
    assert (result.count, result.retmax, result.retstart) == (3, 2, 0)  # not the TermSet's Count
    assert result.ids == ("90000102", "90000101")
    assert (result.webenv, result.query_key) == ("MCID_handwritten", "1")
    without_history = HANDWRITTEN_ESEARCH.replace(b"<WebEnv>MCID_handwritten</WebEnv>", b"")
    with pytest.raises(InvalidBody, match="WebEnv"):
        parse_esearch(without_history, require_history=True)


def test_served_rate_limit_body_is_an_error_not_a_result(corpus: RecordedCorpus) -> None:
    body = corpus.rate_limit_body()
    assert json_error(body) == "API rate limit exceeded"
    with pytest.raises(InvalidBody, match="API rate limit exceeded"):
        parse_esearch(body)
    with pytest.raises(InvalidBody, match="API rate limit exceeded"):
        summarise_efetch(body)


def test_efetch_counts_every_served_article(corpus: RecordedCorpus) -> None:
    files = sorted(p for folder in corpus.pubmed_folders for p in folder.glob("*.xml"))
    summaries = [summarise_efetch(path.read_bytes()) for path in files]
    assert sum(s.n_records for s in summaries) == len(corpus.articles())
    assert all(len(s.pmids) == s.n_records for s in summaries)
    body = files[0].read_bytes()
    with pytest.raises(InvalidBody, match="not well-formed"):
        summarise_efetch(body[: len(body) // 2])
