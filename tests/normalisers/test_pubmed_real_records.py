"""The PubMed normaliser on real recorded EFetch records and the transcribed migraine articles.

Counts are checked against an independent reading of the same file (a full lxml tree and XPath), not
against numbers copied from the normaliser's own output.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
from lxml import etree

from pipeline.parquet.provenance import Provenance
from pipeline.sources.pubmed.normalise.efetch import PubmedBatch, parse_efetch
from pipeline.sources.pubmed.normalise.schemas import ARTICLE_TABLES
from tests.servers.corpus import RecordedCorpus

PROVENANCE = Provenance("20261121T120000Z-ab12", datetime(2026, 11, 21, 12, 0, tzinfo=UTC), None)
_SAFE = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False)


def _efetch_files(corpus: RecordedCorpus) -> list[Path]:
    """The served set's EFetch files: 29 recorded + 18 migraine shared, 20 packaged."""
    return sorted(p for folder in corpus.pubmed_folders for p in folder.glob("*.xml"))


def _parse(path: Path) -> PubmedBatch:
    return parse_efetch(path.read_bytes(), PROVENANCE, str(path))


def _rows(table: pa.Table) -> list[dict[str, object]]:
    return table.to_pylist()


def _publication(path: Path, pmid: str) -> dict[str, object]:
    (row,) = [r for r in _rows(_parse(path).tables["publications"]) if r["pmid"] == pmid]
    return row


def test_every_recorded_efetch_file_parses_with_the_contract_schemas(corpus: RecordedCorpus) -> None:
    files = _efetch_files(corpus)
    n_articles = 0
    for path in files:
        batch = _parse(path)
        tree = etree.parse(str(path), _SAFE)
        pmids = tree.xpath("/PubmedArticleSet/PubmedArticle/MedlineCitation/PMID/text()")
        assert batch.tables["publications"].column("pmid").to_pylist() == pmids, path.name
        assert batch.deleted_pmids == []
        for name, schema in ARTICLE_TABLES.items():
            assert batch.tables[name].schema.equals(schema), (path.name, name)
        n_articles += len(pmids)
    assert n_articles == len(corpus.articles())  # 49 shared (31 recorded + 18 migraine), 20 packaged


def test_the_shared_recorded_set_holds_31_articles_in_29_files(fixtures_dir: Path) -> None:
    files = sorted((fixtures_dir / "pubmed" / "efetch").glob("*.xml"))
    assert len(files) == 29
    assert sum(p.read_bytes().count(b"<PubmedArticle>") for p in files) == 31


def test_mesh_and_keyword_rows_match_an_independent_reading(corpus: RecordedCorpus) -> None:
    for path in _efetch_files(corpus):
        batch = _parse(path)
        tree = etree.parse(str(path), _SAFE)
        headings = tree.xpath("//MedlineCitation/MeshHeadingList/MeshHeading")
        expected_mesh = sum(max(1, len(h.findall("QualifierName"))) for h in headings)
        assert batch.tables["publication_mesh"].num_rows == expected_mesh, path.name
        expected_keywords = len(tree.xpath("//MedlineCitation/KeywordList/Keyword"))
        assert batch.tables["publication_keywords"].num_rows == expected_keywords, path.name


def test_record_with_databank_nct_id(corpus: RecordedCorpus) -> None:
    path = corpus.file("pubmed/efetch/biomcp_efetch_citation_22663011.xml")
    batch = _parse(path)
    registry = {
        (r["registry"], r["accession"], r["found_in"])
        for r in _rows(batch.tables["publication_registry_ids"])
    }
    # NLM's DataBankList and the abstract's closing "ClinicalTrials.gov number, NCT01245062" sentence.
    assert registry == {
        ("ClinicalTrials.gov", "NCT01245062", "databank"),
        ("ClinicalTrials.gov", "NCT01245062", "abstract"),
    }
    row = _rows(batch.tables["publications"])[0]
    assert row["pmid"] == "22663011"
    assert row["title"] == "Improved survival with MEK inhibition in BRAF-mutated melanoma."
    assert row["abstract"].startswith("BACKGROUND: Activating mutations in serine-threonine")
    for label in (" METHODS: In this phase 3 open-label trial", " RESULTS: ", " CONCLUSIONS: "):
        assert label in row["abstract"]
    assert (row["journal"], row["iso_abbreviation"], row["volume"], row["issue"], row["pages"]) == (
        "The New England journal of medicine",
        "N Engl J Med",
        "367",
        "2",
        "107-14",
    )
    assert (row["pub_date_raw"], row["pub_date"], row["pub_date_precision"], row["year"]) == (
        "2012 Jul 12",
        date(2012, 7, 12),
        "day",
        2012,
    )
    assert row["doi"] == "10.1056/NEJMoa1203421"
    assert row["pmcid"] is None
    assert row["first_author"] == "Flaherty KT"
    assert row["author_count"] == 26
    assert row["is_rct_report"] is True
    assert row["is_review"] is False
    assert row["date_revised"] == date(2026, 5, 18)
    assert row["record_kind"] == "article"
    assert (row["run_id"], row["fetched_at"], row["data_timestamp"]) == (
        PROVENANCE.run_id,
        PROVENANCE.fetched_at,
        None,
    )
    mesh = _rows(batch.tables["publication_mesh"])
    antineoplastic = [m for m in mesh if m["descriptor"] == "Antineoplastic Agents"]
    assert {(m["qualifier"], m["qualifier_major"]) for m in antineoplastic} == {
        ("adverse effects", False),
        ("therapeutic use", True),
    }
    humans = [m for m in mesh if m["descriptor"] == "Humans"]
    assert humans == [
        {
            **humans[0],
            "descriptor_ui": "D006801",
            "qualifier": None,
            "qualifier_ui": None,
            "qualifier_major": None,
        }
    ]


def test_pretty_printed_medline_style_record(corpus: RecordedCorpus) -> None:
    row = _publication(corpus.file("pubmed/efetch/pubmed-ingester_PMID29144720_gammaCore.xml"), "29144720")
    assert row["title"].startswith("Cost-effectiveness of gammaCore (non-invasive vagus nerve stimulation)")
    assert row["abstract"].startswith("Cluster headache is a debilitating disease")
    assert "\n" not in row["abstract"] and "  " not in row["abstract"]
    assert (row["journal"], row["volume"], row["issue"], row["pages"]) == (
        "The American journal of managed care",
        "23",
        "16 Suppl",
        "S300-S306",
    )
    assert (row["pub_date"], row["pub_date_precision"]) == (date(2017, 11, 1), "month")
    assert (row["first_author"], row["author_count"]) == ("Mwamburi M", 3)
    assert (row["languages"], row["publication_types"]) == (["eng"], ["Journal Article"])
    assert (row["doi"], row["pmcid"]) == (None, None)
    assert row["date_revised"] == date(2017, 11, 16)


def test_seasons_inline_markup_and_language(fixtures_dir: Path) -> None:
    efetch = fixtures_dir / "pubmed" / "efetch"
    spring = _publication(efetch / "biopython_pubmed1.xml", "12091962")
    assert (spring["pub_date_raw"], spring["pub_date"], spring["pub_date_precision"]) == (
        "1990 Spring",
        date(1990, 1, 1),
        "year",
    )
    assert spring["is_review"] is True
    jan_feb = _publication(efetch / "pubmed-client_29540945.xml", "29540945")
    assert (jan_feb["pub_date_raw"], jan_feb["pub_date"], jan_feb["pub_date_precision"]) == (
        "2018 Jan-Feb",
        date(2018, 1, 1),
        "month",
    )
    italic = _publication(efetch / "biopython_pubmed4.xml", "27797938")
    assert "genetic variants at the TERT gene region" in italic["title"]
    german = _publication(efetch / "pubmed-client_25760099.xml", "25760099")
    assert german["languages"] == ["ger"]
    assert german["title"].startswith("[Market Concentration")  # the English title, not VernacularTitle


def test_inline_markup_and_mathml_in_an_abstract_become_plain_text(fixtures_dir: Path) -> None:
    path = fixtures_dir / "pubmed" / "efetch" / "biopython_pubmed6.xml"
    assert b"<mml:math" in path.read_bytes()
    (row,) = _rows(_parse(path).tables["publications"])
    # <i>P</i> &lt; 0.001 and the pretty-printed MathML for V-dot-O2max, flattened and single-spaced.
    assert "MLSS (P < 0.001; ES: 3.54)" in row["abstract"]
    assert "maximal oxygen uptake ( V . O 2 " in row["abstract"]
    assert "mml" not in row["abstract"] and "\n" not in row["abstract"]


def _migraine_manifest(fixtures_dir: Path) -> list[dict]:
    return json.loads((fixtures_dir / "pubmed" / "migraine" / "manifest.json").read_text())


def test_migraine_articles_match_the_manifest(fixtures_dir: Path) -> None:
    manifest = _migraine_manifest(fixtures_dir)
    assert len(manifest) == 18
    for entry in manifest:
        pmid, expected = entry["pmid"], entry["expected"]
        batch = _parse(fixtures_dir / "pubmed" / "migraine" / f"{pmid}.xml")
        (row,) = _rows(batch.tables["publications"])
        assert row["pmid"] == pmid
        assert row["title"], pmid
        assert row["year"] == expected["year"], pmid
        assert sorted(row["publication_types"]) == sorted(expected["publication_types"]), pmid
        nct_ids = {
            r["accession"]
            for r in _rows(batch.tables["publication_registry_ids"])
            if r["registry"] == "ClinicalTrials.gov"
        }
        assert nct_ids == set(expected["nct_ids"]), pmid
        types = set(expected["publication_types"])
        assert row["is_rct_report"] is bool(
            types & {"Randomized Controlled Trial", "Clinical Trial, Phase III"}
        ), pmid
        assert row["is_review"] is ("Review" in types), pmid


def test_migraine_rct_reports_and_reviews(corpus: RecordedCorpus) -> None:
    folder = corpus.file("pubmed/migraine/20647170.xml").parent  # every one of them is packaged too
    preempt = _publication(folder / "20647170.xml", "20647170")
    assert preempt["is_rct_report"] is True
    assert preempt["author_list_complete"] is False  # AuthorList CompleteYN="N": count is a floor
    assert (preempt["first_author"], preempt["author_count"]) == ("Aurora SK", 5)
    regain = _publication(folder / "30446596.xml", "30446596")
    assert (regain["is_rct_report"], regain["pmcid"], regain["doi"]) == (
        True,
        "PMC6329331",
        "10.1212/WNL.0000000000006640",
    )
    review = _publication(folder / "35313740.xml", "35313740")
    assert (review["is_review"], review["is_rct_report"]) == (True, False)
    no_journal = _publication(folder / "31952501.xml", "31952501")
    assert (no_journal["journal"], no_journal["pub_date"], no_journal["year"]) == (None, None, None)


def test_migraine_keywords_keep_owner_and_flag(corpus: RecordedCorpus) -> None:
    batch = _parse(corpus.file("pubmed/migraine/40442928.xml"))
    keywords = _rows(batch.tables["publication_keywords"])
    assert [(k["keyword"], k["major"], k["owner"]) for k in keywords] == [
        ("calcitonin gene related peptide (CGRP)", False, "NOTNLM"),
        ("migraine", False, "NOTNLM"),
        ("migraine prevention", False, "NOTNLM"),
        ("pituitary adenylate cyclase-activating polypeptide (PACAP)", False, "NOTNLM"),
    ]
