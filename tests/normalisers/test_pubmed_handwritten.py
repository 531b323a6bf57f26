"""The PubMed normaliser on small hand-written bodies in NCBI's PubmedArticleSet DTD format.

These records are written for the tests (PMIDs 900000xx are not real articles): they cover what the
recorded fixtures lack, namely book records, DeleteCitation, MedlineDate, missing and unknown elements,
registry ids in text, and bodies that must be refused whole.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline.errors import NormaliseError
from pipeline.parquet.provenance import Provenance
from pipeline.sources.pubmed.normalise.efetch import PubmedBatch, parse_efetch
from pipeline.sources.pubmed.normalise.schemas import ARTICLE_TABLES
from tests.servers.corpus import IN_REPO_FIXTURES

PROVENANCE = Provenance("20261121T120000Z-ab12", datetime(2026, 11, 21, 12, 0, tzinfo=UTC), "2026-11-20")
SOURCE = "raw/pubmed/20261121T120000Z-ab12/efetch-000001.xml.gz"
EFETCH_BATCH = IN_REPO_FIXTURES / "pubmed" / "efetch_batch.xml"  # hand-written, several articles
DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)


def body(*records: str) -> bytes:
    return (
        f'<?xml version="1.0" ?>\n{DOCTYPE}\n<PubmedArticleSet>{"".join(records)}</PubmedArticleSet>'.encode()
    )


def article(pmid: str, article_inner: str = "", citation_extra: str = "", pubmed_data: str = "") -> str:
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f'<Article PubModel="Print">{article_inner}</Article>{citation_extra}</MedlineCitation>'
        f"<PubmedData>{pubmed_data}</PubmedData></PubmedArticle>"
    )


def parse(data: bytes) -> PubmedBatch:
    return parse_efetch(data, PROVENANCE, SOURCE)


def publications(batch: PubmedBatch) -> dict[str, dict[str, object]]:
    return {row["pmid"]: row for row in batch.tables["publications"].to_pylist()}


CHAPTER = """
<PubmedBookArticle>
  <BookDocument>
    <PMID Version="1">90000001</PMID>
    <ArticleIdList><ArticleId IdType="bookaccession">NBK900001</ArticleId></ArticleIdList>
    <Book>
      <Publisher>
        <PublisherName>Test Press</PublisherName><PublisherLocation>Bethesda (MD)</PublisherLocation>
      </Publisher>
      <BookTitle book="testbook">Handbook of <i>Headache</i> Tests</BookTitle>
      <PubDate><Year>2020</Year><Month>Mar</Month></PubDate>
      <AuthorList Type="editors">
        <Author><LastName>Editor</LastName><ForeName>Ed</ForeName><Initials>E</Initials></Author>
      </AuthorList>
      <Medium>Internet</Medium>
    </Book>
    <LocationLabel Type="chapter">Chapter 3</LocationLabel>
    <ArticleTitle book="testbook" part="ch3">Chapter on preventive treatment</ArticleTitle>
    <Language>eng</Language>
    <AuthorList Type="authors">
      <Author><LastName>Writer</LastName><ForeName>Ann</ForeName><Initials>A</Initials></Author>
      <Author><LastName>Second</LastName><ForeName>Bob</ForeName><Initials>B</Initials></Author>
    </AuthorList>
    <PublicationType UI="D016454">Review</PublicationType>
    <Abstract><AbstractText Label="SUMMARY">Chapter summary citing NCT01234567.</AbstractText></Abstract>
    <DateRevised><Year>2022</Year><Month>01</Month><Day>31</Day></DateRevised>
  </BookDocument>
  <PubmedBookData>
    <PublicationStatus>ppublish</PublicationStatus>
    <ArticleIdList><ArticleId IdType="pubmed">90000001</ArticleId></ArticleIdList>
  </PubmedBookData>
</PubmedBookArticle>
"""

WHOLE_BOOK = """
<PubmedBookArticle><BookDocument><PMID Version="1">90000002</PMID><ArticleIdList/>
<Book><BookTitle book="whole">A Whole Book About Migraine</BookTitle>
<PubDate><Year>2019</Year></PubDate></Book>
<KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">migraine</Keyword></KeywordList>
</BookDocument></PubmedBookArticle>
"""


def test_book_chapter_and_whole_book() -> None:
    rows = publications(parse(body(CHAPTER, WHOLE_BOOK)))
    chapter = rows["90000001"]
    assert chapter["record_kind"] == "book_article"
    assert chapter["title"] == "Chapter on preventive treatment"
    assert chapter["journal"] == "Handbook of Headache Tests"
    assert (chapter["pub_date"], chapter["pub_date_precision"], chapter["year"]) == (
        date(2020, 3, 1),
        "month",
        2020,
    )
    assert (chapter["first_author"], chapter["author_count"]) == (
        "Writer A",
        2,
    )  # the editors are not authors
    assert (chapter["is_review"], chapter["publication_types"], chapter["languages"]) == (
        True,
        ["Review"],
        ["eng"],
    )
    assert chapter["abstract"] == "SUMMARY: Chapter summary citing NCT01234567."
    assert chapter["date_revised"] == date(2022, 1, 31)
    book = rows["90000002"]
    assert (book["title"], book["journal"], book["year"], book["author_count"]) == (
        "A Whole Book About Migraine",
        None,
        2019,
        0,
    )


def test_book_records_feed_keywords_and_registry_ids() -> None:
    batch = parse(body(CHAPTER, WHOLE_BOOK))
    assert batch.tables["publication_keywords"].to_pylist()[0]["pmid"] == "90000002"
    (registry,) = batch.tables["publication_registry_ids"].to_pylist()
    assert (registry["pmid"], registry["accession"], registry["found_in"]) == (
        "90000001",
        "NCT01234567",
        "abstract",
    )


def test_delete_citation_is_returned_apart_from_the_rows() -> None:
    deletion = (
        '<DeleteCitation><PMID Version="1">90000011</PMID><PMID Version="1">90000012</PMID></DeleteCitation>'
    )
    batch = parse(body(article("90000010", "<ArticleTitle>Kept</ArticleTitle>"), deletion))
    assert batch.deleted_pmids == ["90000011", "90000012"]
    assert list(publications(batch)) == ["90000010"]
    only_deletions = parse(body(deletion))
    assert only_deletions.deleted_pmids == ["90000011", "90000012"]
    assert only_deletions.n_articles == 0
    for name, schema in ARTICLE_TABLES.items():
        assert only_deletions.tables[name].schema.equals(schema)
        assert only_deletions.tables[name].num_rows == 0


def test_medline_date_in_a_journal_issue() -> None:
    inner = (
        "<Journal><JournalIssue><Volume>12</Volume><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate>"
        "</PubDate></JournalIssue><Title>Test Journal</Title></Journal><ArticleTitle>T</ArticleTitle>"
    )
    row = publications(parse(body(article("90000020", inner))))["90000020"]
    assert (row["pub_date_raw"], row["pub_date"], row["pub_date_precision"], row["year"]) == (
        "1998 Dec-1999 Jan",
        date(1998, 12, 1),
        "month",
        1998,
    )


def test_missing_elements_give_nulls_and_unknown_elements_are_ignored() -> None:
    bare = (
        '<PubmedArticle><MedlineCitation><PMID Version="1">90000030</PMID></MedlineCitation></PubmedArticle>'
    )
    odd = article("90000031", "<FutureElement><Nested>x</Nested></FutureElement><ArticleTitle/>")
    row = publications(parse(body(bare, odd)))["90000030"]
    assert row["pmid"] == "90000030"
    for column in ("title", "abstract", "journal", "pub_date", "year", "doi", "pmcid", "first_author"):
        assert row[column] is None, column
    assert (row["languages"], row["publication_types"], row["author_count"]) == ([], [], 0)
    assert (row["is_rct_report"], row["is_review"], row["author_list_complete"]) == (False, False, None)
    assert publications(parse(body(bare, odd)))["90000031"]["title"] is None


def test_a_record_without_pmid_is_skipped_and_counted() -> None:
    no_pmid = (
        "<PubmedArticle><MedlineCitation><Article><ArticleTitle>?</ArticleTitle></Article>"
        "</MedlineCitation></PubmedArticle>"
    )
    batch = parse(body(no_pmid, article("90000040", "<ArticleTitle>Fine</ArticleTitle>")))
    assert (batch.n_skipped, list(publications(batch))) == (1, ["90000040"])


def test_structured_abstract_keeps_labels_and_drops_copyright() -> None:
    inner = (
        "<ArticleTitle>T</ArticleTitle><Abstract>"
        '<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Why <i>we</i> looked.</AbstractText>'
        '<AbstractText Label="METHODS" NlmCategory="METHODS">How\n   we looked.</AbstractText>'
        '<AbstractText Label="UNLABELLED" NlmCategory="UNASSIGNED">No heading here.</AbstractText>'
        '<AbstractText Label="CONCLUSIONS" NlmCategory="CONCLUSIONS"></AbstractText>'
        "<CopyrightInformation>(c) 2026 Someone.</CopyrightInformation></Abstract>"
    )
    row = publications(parse(body(article("90000050", inner))))["90000050"]
    assert row["abstract"] == "BACKGROUND: Why we looked. METHODS: How we looked. No heading here."


def test_authors_flagged_invalid_are_not_counted() -> None:
    inner = (
        '<ArticleTitle>T</ArticleTitle><AuthorList CompleteYN="Y">'
        '<Author ValidYN="N"><LastName>Misspelt</LastName><Initials>X</Initials></Author>'
        '<Author ValidYN="Y"><CollectiveName>Migraine Test Group</CollectiveName></Author>'
        "<Author><LastName>Plain</LastName><ForeName>Pat</ForeName></Author></AuthorList>"
    )
    row = publications(parse(body(article("90000060", inner))))["90000060"]
    assert (row["first_author"], row["author_count"], row["author_list_complete"]) == (
        "Migraine Test Group",
        2,
        True,
    )


def test_publication_type_flags_use_exact_names() -> None:
    def flags(*types: str) -> tuple[bool, bool]:
        listing = "".join(f"<PublicationType>{t}</PublicationType>" for t in types)
        inner = f"<ArticleTitle>T</ArticleTitle><PublicationTypeList>{listing}</PublicationTypeList>"
        row = publications(parse(body(article("90000070", inner))))["90000070"]
        return row["is_rct_report"], row["is_review"]

    assert flags("Clinical Trial, Phase II") == (True, False)
    assert flags("Clinical Trial, Phase IV", "Journal Article") == (True, False)
    assert flags("Clinical Trial") == (False, False)
    assert flags("Controlled Clinical Trial") == (False, False)
    assert flags("Randomized Controlled Trial, Veterinary") == (False, False)
    assert flags("Systematic Review") == (False, True)
    assert flags("Meta-Analysis", "Randomized Controlled Trial") == (True, True)


def test_registry_ids_from_databank_title_and_abstract() -> None:
    inner = (
        "<ArticleTitle>Trial nct02210780 in migraine</ArticleTitle>"
        "<Abstract><AbstractText>Registered as NCT 02210780 and NCT02299791 (NCT02299791). "
        "Not an id: NCT022107801.</AbstractText></Abstract>"
        '<DataBankList CompleteYN="Y">'
        "<DataBank><DataBankName>ClinicalTrials.gov</DataBankName><AccessionNumberList>"
        "<AccessionNumber>nct02210780</AccessionNumber></AccessionNumberList></DataBank>"
        "<DataBank><DataBankName>ISRCTN</DataBankName><AccessionNumberList>"
        "<AccessionNumber>ISRCTN12345678</AccessionNumber></AccessionNumberList></DataBank>"
        "<DataBank><DataBankName>GENBANK</DataBankName><AccessionNumberList>"
        "<AccessionNumber>AB123456</AccessionNumber></AccessionNumberList></DataBank>"
        "<DataBank><DataBankName>EudraCT</DataBankName></DataBank>"
        "</DataBankList>"
    )
    rows = parse(body(article("90000080", inner))).tables["publication_registry_ids"].to_pylist()
    assert [(r["registry"], r["accession"], r["found_in"], r["is_trial_registry"]) for r in rows] == [
        ("ClinicalTrials.gov", "NCT02210780", "databank", True),
        ("ISRCTN", "ISRCTN12345678", "databank", True),
        ("GENBANK", "AB123456", "databank", False),
        ("ClinicalTrials.gov", "NCT02210780", "title", True),
        ("ClinicalTrials.gov", "NCT02210780", "abstract", True),
        ("ClinicalTrials.gov", "NCT02299791", "abstract", True),
    ]


def test_doi_falls_back_to_elocation_and_keyword_defaults_apply() -> None:
    inner = (
        '<ArticleTitle>T</ArticleTitle><ELocationID EIdType="doi" ValidYN="Y">10.9999/test.1</ELocationID>'
    )
    keywords = "<KeywordList><Keyword>default owner</Keyword></KeywordList>"
    mesh = (
        '<MeshHeadingList><MeshHeading><DescriptorName UI="D008881">Migraine Disorders</DescriptorName>'
        '<QualifierName UI="Q000188" MajorTopicYN="Y">drug therapy</QualifierName>'
        "</MeshHeading></MeshHeadingList>"
    )
    batch = parse(body(article("90000090", inner, mesh + keywords)))
    assert publications(batch)["90000090"]["doi"] == "10.9999/test.1"
    (keyword,) = batch.tables["publication_keywords"].to_pylist()
    assert (keyword["keyword"], keyword["major"], keyword["owner"]) == ("default owner", False, "NLM")
    (mesh_row,) = batch.tables["publication_mesh"].to_pylist()
    assert (mesh_row["descriptor_major"], mesh_row["qualifier"], mesh_row["qualifier_major"]) == (
        False,
        "drug therapy",
        True,
    )


def test_provenance_is_stamped_on_every_table() -> None:
    deletion = '<DeleteCitation><PMID Version="1">90000099</PMID></DeleteCitation>'
    batch = parse(body(CHAPTER, deletion))
    for table in batch.tables.values():
        for row in table.to_pylist():
            assert (row["run_id"], row["fetched_at"], row["data_timestamp"]) == (
                "20261121T120000Z-ab12",
                datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
                "2026-11-20",
            )


def _refused(data: bytes) -> str:
    with pytest.raises(NormaliseError) as error:
        parse(data)
    message = str(error.value)
    assert message.startswith(SOURCE) and "\n" not in message
    return message


def test_truncated_body_is_refused_whole() -> None:
    whole = EFETCH_BATCH.read_bytes()
    assert whole.count(b"<PubmedArticle>") >= 2
    cut = whole[: whole.rindex(b"<PubmedArticle>") + 200]  # earlier articles complete, the last cut off
    assert "malformed or truncated" in _refused(cut)


def test_bodies_that_are_not_an_article_set_are_refused() -> None:
    assert "empty EFetch body" in _refused(b"  \n")
    assert "root element <html>" in _refused(b"<html><body>502 Bad Gateway</body></html>")
    error_body = b"<eFetchResult><ERROR>Empty id list - nothing todo</ERROR></eFetchResult>"
    assert _refused(error_body).endswith("Empty id list - nothing todo")
    assert "malformed or truncated" in _refused(b'{"error": "API rate limit exceeded"}')


def test_entities_and_external_files_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-read-me")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<PubmedArticleSet>"
        + article("90000100", "<ArticleTitle>before &xxe; after</ArticleTitle>")
        + "</PubmedArticleSet>"
    ).encode()
    title = publications(parse(data))["90000100"]["title"]
    assert "do-not-read-me" not in title


def test_naive_fetched_at_is_refused() -> None:
    naive = Provenance("r", datetime(2026, 11, 21, 12, 0), None)
    with pytest.raises(NormaliseError, match="timezone-aware"):
        parse_efetch(body(article("90000110")), naive, SOURCE)


def test_records_are_freed_as_the_body_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory follows lxml's read-ahead, not the body: processed records leave the tree."""
    from pipeline.sources.pubmed.normalise import efetch as pubmed_efetch

    records_in_tree: list[int] = []
    original = pubmed_efetch.add_journal_article

    def spy(elem: object, tables: object) -> object:
        records_in_tree.append(len(elem.getparent()))  # type: ignore[attr-defined]
        return original(elem, tables)  # type: ignore[arg-type]

    monkeypatch.setattr(pubmed_efetch, "add_journal_article", spy)
    inner = f"<ArticleTitle>T</ArticleTitle><Abstract><AbstractText>{'word ' * 400}</AbstractText></Abstract>"
    n = 400  # about 800 KB: many times the parser's read-ahead
    batch = parse(body(*(article(str(90000200 + i), inner) for i in range(n))))
    assert batch.n_articles == n
    assert max(records_in_tree) < n / 10
