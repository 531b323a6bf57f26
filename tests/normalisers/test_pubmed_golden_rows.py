"""Golden whole rows of every PubMed table, from the in-repo hand-written EFetch body.

tests/fixtures/pubmed/efetch_batch.xml is written by hand to NCBI's PubmedArticleSet DTD (see its
README): a MEDLINE journal article, a PubMed-not-MEDLINE review with a MedlineDate, a book chapter
and a DeleteCitation. Every column of every row is stated below, so a value that lands in the wrong
column fails here even without the real recorded responses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pipeline.parquet.provenance import Provenance
from pipeline.sources.pubmed.normalise.efetch import PubmedBatch, deleted_pmids_table, parse_efetch
from pipeline.sources.pubmed.normalise.schemas import ARTICLE_TABLES
from tests.normalisers.golden import IN_REPO_FIXTURES, assert_provenance, data_rows

PROV = Provenance("20260301T000000Z-0c0d", datetime(2026, 3, 1, 7, 0, tzinfo=UTC), "2026-02-28")
BODY = IN_REPO_FIXTURES / "pubmed" / "efetch_batch.xml"
ARTICLE, REVIEW, CHAPTER = "90000101", "90000102", "90000103"


@pytest.fixture(scope="module")
def batch() -> PubmedBatch:
    return parse_efetch(BODY.read_bytes(), PROV, str(BODY))


def test_publications(batch: PubmedBatch) -> None:
    assert data_rows(batch.tables["publications"]) == [
        {
            "pmid": ARTICLE,
            "record_kind": "article",
            "title": "An example gepant for the acute treatment of migraine: a randomized trial.",
            "abstract": "BACKGROUND: Gepants block the CGRP receptor. METHODS: Adults treated one attack "
            "with "
            "the gepant or placebo (nct 99000001). RESULTS: Pain freedom at 2 hours: 21.2% versus 10.9%.",
            "journal": "Example headache journal",
            "iso_abbreviation": "Example Headache J",
            "volume": "1",
            "issue": "2",
            "pages": "10-9",  # MedlinePgn as NLM abbreviates it, preferred to StartPage/EndPage
            "pub_date_raw": "2022 Aug 15",
            "pub_date": date(2022, 8, 15),
            "pub_date_precision": "day",
            "year": 2022,
            "doi": "10.99999/ehj.2022.0101",
            "pmcid": "PMC9990101",
            "languages": ["eng"],
            "publication_types": ["Journal Article", "Randomized Controlled Trial"],
            "first_author": "Example A",
            "author_count": 3,
            "author_list_complete": True,
            "is_rct_report": True,
            "is_review": False,
            "date_revised": date(2023, 2, 14),
        },
        {
            "pmid": REVIEW,
            "record_kind": "article",
            "title": "Neuromodulation for migraine: an example review.",
            "abstract": None,
            "journal": "Example reviews in neurology",
            "iso_abbreviation": None,
            "volume": "7",
            "issue": None,
            "pages": "e101",
            "pub_date_raw": "2019 Nov-Dec",
            "pub_date": date(2019, 11, 1),
            "pub_date_precision": "month",
            "year": 2019,
            "doi": None,
            "pmcid": None,
            "languages": ["eng", "ger"],
            "publication_types": ["Review"],
            "first_author": "Reviewer Rita",  # the author NLM marked ValidYN="N" is not counted
            "author_count": 1,
            "author_list_complete": False,
            "is_rct_report": False,
            "is_review": True,
            "date_revised": None,
        },
        {
            "pmid": CHAPTER,
            "record_kind": "book_article",
            "title": "Preventive treatment of migraine",
            "abstract": "Options for preventing migraine, including trials such as NCT99000002.",
            "journal": "Example Handbook of Headache",
            "iso_abbreviation": None,
            "volume": "2",
            "issue": None,
            "pages": "31-48",
            "pub_date_raw": "2020 Mar",
            "pub_date": date(2020, 3, 1),
            "pub_date_precision": "month",
            "year": 2020,
            "doi": "10.99999/handbook.ch3",
            "pmcid": None,
            "languages": ["eng"],
            "publication_types": ["Review"],
            "first_author": "Writer W",  # the book's editor is not an author
            "author_count": 1,
            "author_list_complete": True,
            "is_rct_report": False,
            "is_review": True,
            "date_revised": date(2021, 11, 30),
        },
    ]
    assert batch.n_skipped == 0


def test_publication_mesh(batch: PubmedBatch) -> None:
    migraine = {"pmid": ARTICLE, "descriptor": "Migraine Disorders", "descriptor_ui": "D008881"}
    assert data_rows(batch.tables["publication_mesh"]) == [
        {
            "pmid": ARTICLE,
            "descriptor": "Humans",
            "descriptor_ui": "D006801",
            "descriptor_major": False,
            "qualifier": None,
            "qualifier_ui": None,
            "qualifier_major": None,
        },
        {
            **migraine,
            "descriptor_major": False,
            "qualifier": "drug therapy",
            "qualifier_ui": "Q000188",
            "qualifier_major": True,
        },
        {
            **migraine,
            "descriptor_major": False,
            "qualifier": "prevention & control",
            "qualifier_ui": "Q000517",
            "qualifier_major": False,
        },
        {
            "pmid": ARTICLE,
            "descriptor": "Calcitonin Gene-Related Peptide Receptor Antagonists",
            "descriptor_ui": "D066249",
            "descriptor_major": True,
            "qualifier": None,
            "qualifier_ui": None,
            "qualifier_major": None,
        },
    ]


def test_publication_keywords(batch: PubmedBatch) -> None:
    assert data_rows(batch.tables["publication_keywords"]) == [
        {"pmid": ARTICLE, "keyword": "gepant", "major": False, "owner": "NOTNLM"},
        {"pmid": ARTICLE, "keyword": "acute migraine", "major": True, "owner": "NOTNLM"},
        {"pmid": REVIEW, "keyword": "neuromodulation", "major": False, "owner": "NLM"},  # DTD default owner
        {"pmid": CHAPTER, "keyword": "prevention", "major": False, "owner": "NOTNLM"},
    ]


def test_publication_registry_ids(batch: PubmedBatch) -> None:
    assert data_rows(batch.tables["publication_registry_ids"]) == [
        {
            "pmid": ARTICLE,
            "registry": "ClinicalTrials.gov",
            "accession": "NCT99000001",
            "found_in": "databank",
            "is_trial_registry": True,
        },
        {
            "pmid": ARTICLE,
            "registry": "GENBANK",
            "accession": "ZZ999001",
            "found_in": "databank",
            "is_trial_registry": False,
        },
        {
            "pmid": ARTICLE,
            "registry": "ClinicalTrials.gov",
            "accession": "NCT99000001",
            "found_in": "abstract",
            "is_trial_registry": True,
        },
        {
            "pmid": CHAPTER,
            "registry": "ClinicalTrials.gov",
            "accession": "NCT99000002",
            "found_in": "abstract",
            "is_trial_registry": True,
        },
    ]


def test_deleted_pmids(batch: PubmedBatch) -> None:
    assert batch.deleted_pmids == ["90000104", "90000105"]
    table = deleted_pmids_table(batch.deleted_pmids, PROV)
    assert data_rows(table) == [{"pmid": "90000104"}, {"pmid": "90000105"}]
    assert_provenance({"deleted_pmids": table}, PROV)


def test_every_row_carries_the_body_provenance(batch: PubmedBatch) -> None:
    assert set(batch.tables) == set(ARTICLE_TABLES)
    assert_provenance(batch.tables, PROV)
