"""Golden whole rows from real recorded PubMed records (shared fixtures pubmed/).

Every expected value below was read off the record's XML by hand: a MEDLINE-indexed trial report with
MeSH headings and a ClinicalTrials.gov DataBank entry (PMID 22663011, efetch/), and two migraine
articles (migraine/): a review with author keywords (35313740) and the PREEMPT 1 trial report
(20647170). No recorded body holds a DeleteCitation; the in-repo golden test covers deleted_pmids.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pipeline.parquet.provenance import Provenance
from pipeline.sources.pubmed.normalise.efetch import PubmedBatch, parse_efetch
from tests.normalisers.golden import assert_provenance, data_rows
from tests.servers.corpus import RecordedCorpus

PROV = Provenance("20261121T120000Z-ab12", datetime(2026, 11, 21, 12, 0, tzinfo=UTC), None)
MEK = "22663011"
CT_GOV = "ClinicalTrials.gov"


def recorded(corpus: RecordedCorpus, name: str) -> PubmedBatch:
    path = corpus.file(f"pubmed/{name}")
    return parse_efetch(path.read_bytes(), PROV, str(path))


MEK_ABSTRACT = (
    "BACKGROUND: Activating mutations in serine-threonine protein kinase B-RAF (BRAF) are found in 50% of "
    "patients with advanced melanoma. Selective BRAF-inhibitor therapy improves survival, as compared with "
    "chemotherapy, but responses are often short-lived. In previous trials, MEK inhibition appeared to be "
    "promising in this population. "
    "METHODS: In this phase 3 open-label trial, we randomly assigned 322 patients who had metastatic "
    "melanoma with a V600E or V600K BRAF mutation to receive either trametinib, an oral selective MEK "
    "inhibitor, or chemotherapy in a 2:1 ratio. Patients received trametinib (2 mg orally) once daily or "
    "intravenous dacarbazine (1000 mg per square meter of body-surface area) or paclitaxel (175 mg per "
    "square meter) every 3 weeks. Patients in the chemotherapy group who had disease progression were "
    "permitted to cross over to receive trametinib. Progression-free survival was the primary end point, "
    "and overall survival was a secondary end point. "
    "RESULTS: Median progression-free survival was 4.8 months in the trametinib group and 1.5 months in the "
    "chemotherapy group (hazard ratio for disease progression or death in the trametinib group, 0.45; 95% "
    "confidence interval [CI], 0.33 to 0.63; P<0.001). At 6 months, the rate of overall survival was 81% in "
    "the trametinib group and 67% in the chemotherapy group despite crossover (hazard ratio for death, 0.54; "
    "95% CI, 0.32 to 0.92; P=0.01). Rash, diarrhea, and peripheral edema were the most common toxic effects "
    "in the trametinib group and were managed with dose interruption and dose reduction; asymptomatic and "
    "reversible reduction in the cardiac ejection fraction and ocular toxic effects occurred infrequently. "
    "Secondary skin neoplasms were not observed. "
    "CONCLUSIONS: Trametinib, as compared with chemotherapy, improved rates of progression-free and overall "
    "survival among patients who had metastatic melanoma with a BRAF V600E or V600K mutation. (Funded by "
    "GlaxoSmithKline; METRIC ClinicalTrials.gov number, NCT01245062.)."
)

# (descriptor, descriptor_ui, qualifier, qualifier_ui, qualifier_major); every descriptor here is minor.
MEK_MESH = [
    ("Adult", "D000328", None, None, None),
    ("Aged", "D000368", None, None, None),
    ("Aged, 80 and over", "D000369", None, None, None),
    ("Antineoplastic Agents", "D000970", "adverse effects", "Q000009", False),
    ("Antineoplastic Agents", "D000970", "therapeutic use", "Q000627", True),
    ("Disease-Free Survival", "D018572", None, None, None),
    ("Female", "D005260", None, None, None),
    ("Humans", "D006801", None, None, None),
    ("Intention to Treat Analysis", "D057194", None, None, None),
    ("Kaplan-Meier Estimate", "D053208", None, None, None),
    ("MAP Kinase Kinase 1", "D048369", "antagonists & inhibitors", "Q000037", True),
    ("MAP Kinase Kinase 2", "D048370", "antagonists & inhibitors", "Q000037", True),
    ("Male", "D008297", None, None, None),
    ("Melanoma", "D008545", "drug therapy", "Q000188", True),
    ("Melanoma", "D008545", "genetics", "Q000235", False),
    ("Melanoma", "D008545", "mortality", "Q000401", False),
    ("Middle Aged", "D008875", None, None, None),
    ("Mutation", "D009154", None, None, None),
    ("Protein Kinase Inhibitors", "D047428", "adverse effects", "Q000009", False),
    ("Protein Kinase Inhibitors", "D047428", "therapeutic use", "Q000627", True),
    ("Proto-Oncogene Proteins B-raf", "D048493", "genetics", "Q000235", True),
    ("Pyridones", "D011728", "adverse effects", "Q000009", False),
    ("Pyridones", "D011728", "therapeutic use", "Q000627", True),
    ("Pyrimidinones", "D011744", "adverse effects", "Q000009", False),
    ("Pyrimidinones", "D011744", "therapeutic use", "Q000627", True),
    ("Young Adult", "D055815", None, None, None),
]


def test_trial_report_with_mesh_and_databank(corpus: RecordedCorpus) -> None:
    batch = recorded(corpus, "efetch/biomcp_efetch_citation_22663011.xml")
    assert data_rows(batch.tables["publications"]) == [
        {
            "pmid": MEK,
            "record_kind": "article",
            "title": "Improved survival with MEK inhibition in BRAF-mutated melanoma.",
            "abstract": MEK_ABSTRACT,
            "journal": "The New England journal of medicine",
            "iso_abbreviation": "N Engl J Med",
            "volume": "367",
            "issue": "2",
            "pages": "107-14",
            "pub_date_raw": "2012 Jul 12",
            "pub_date": date(2012, 7, 12),
            "pub_date_precision": "day",
            "year": 2012,
            "doi": "10.1056/NEJMoa1203421",
            "pmcid": None,
            "languages": ["eng"],
            "publication_types": [
                "Clinical Trial, Phase III",
                "Comparative Study",
                "Journal Article",
                "Multicenter Study",
                "Randomized Controlled Trial",
                "Research Support, Non-U.S. Gov't",
            ],
            "first_author": "Flaherty KT",
            "author_count": 26,  # 25 people and the METRIC Study Group
            "author_list_complete": True,
            "is_rct_report": True,
            "is_review": False,
            "date_revised": date(2026, 5, 18),
        }
    ]
    assert data_rows(batch.tables["publication_mesh"]) == [
        {
            "pmid": MEK,
            "descriptor": descriptor,
            "descriptor_ui": descriptor_ui,
            "descriptor_major": False,
            "qualifier": qualifier,
            "qualifier_ui": qualifier_ui,
            "qualifier_major": qualifier_major,
        }
        for descriptor, descriptor_ui, qualifier, qualifier_ui, qualifier_major in MEK_MESH
    ]
    assert batch.tables["publication_keywords"].num_rows == 0
    assert data_rows(batch.tables["publication_registry_ids"]) == [
        {
            "pmid": MEK,
            "registry": CT_GOV,
            "accession": "NCT01245062",
            "found_in": found_in,
            "is_trial_registry": True,
        }
        for found_in in ("databank", "abstract")
    ]
    assert batch.deleted_pmids == []
    assert_provenance(batch.tables, PROV)


def test_migraine_review_with_author_keywords(corpus: RecordedCorpus) -> None:
    batch = recorded(corpus, "migraine/35313740.xml")
    assert data_rows(batch.tables["publications"]) == [
        {
            "pmid": "35313740",
            "record_kind": "article",
            "title": "Erenumab for episodic migraine",
            "abstract": None,
            "journal": None,  # the transcription has the ISO abbreviation only
            "iso_abbreviation": "Pain Manag",
            "volume": "12",
            "issue": "5",
            "pages": "587-594",
            "pub_date_raw": "2022 Jul",
            "pub_date": date(2022, 7, 1),
            "pub_date_precision": "month",
            "year": 2022,
            "doi": "10.2217/pmt-2021-0077",
            "pmcid": None,
            "languages": [],
            "publication_types": ["Review"],
            "first_author": "Datta A",
            "author_count": 1,
            "author_list_complete": False,
            "is_rct_report": False,
            "is_review": True,
            "date_revised": None,
        }
    ]
    keywords = ["Aimovig", "CGRP antagonists", "episodic migraine", "erenumab", "headache", "migraine"]
    assert data_rows(batch.tables["publication_keywords"]) == [
        {"pmid": "35313740", "keyword": keyword, "major": False, "owner": "NOTNLM"} for keyword in keywords
    ]
    for name in ("publication_mesh", "publication_registry_ids"):
        assert batch.tables[name].num_rows == 0, name


def test_migraine_trial_report(corpus: RecordedCorpus) -> None:
    batch = recorded(corpus, "migraine/20647170.xml")
    assert data_rows(batch.tables["publications"]) == [
        {
            "pmid": "20647170",
            "record_kind": "article",
            "title": "OnabotulinumtoxinA for treatment of chronic migraine: results from the double-blind, "
            "randomized, placebo-controlled phase of the PREEMPT 1 trial",
            "abstract": None,
            "journal": None,
            "iso_abbreviation": "Cephalalgia",
            "volume": "30",
            "issue": "7",
            "pages": "793-803",
            "pub_date_raw": "2010 Jul",
            "pub_date": date(2010, 7, 1),
            "pub_date_precision": "month",
            "year": 2010,
            "doi": "10.1177/0333102410364676",
            "pmcid": None,
            "languages": [],
            "publication_types": [
                "Clinical Trial, Phase III",
                "Multicenter Study",
                "Randomized Controlled Trial",
                "Research Support, Non-U.S. Gov't",
            ],
            "first_author": "Aurora SK",
            "author_count": 5,
            "author_list_complete": False,
            "is_rct_report": True,
            "is_review": False,
            "date_revised": None,
        }
    ]
    for name in ("publication_mesh", "publication_keywords", "publication_registry_ids"):
        assert batch.tables[name].num_rows == 0, name
