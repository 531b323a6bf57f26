"""Arrow schemas of the PubMed Parquet tables: the contract between normaliser and warehouse.

Same provenance columns as the ClinicalTrials.gov tables, so a row traces back to its raw EFetch body.
The publication date keeps PubMed's text beside a parsed first-day date and its precision (day, month or
year), as the registry dates do. MeSH and keyword flags keep NLM's own Y/N meaning as booleans.
"""

from __future__ import annotations

import pyarrow as pa

from pipeline.sources.ctgov.normalise.schemas import PROVENANCE, STR_LIST


def _schema(fields: list[pa.Field]) -> pa.Schema:
    return pa.schema([*fields, *PROVENANCE])


PUBLICATIONS = _schema(
    [
        pa.field("pmid", pa.string(), nullable=False),
        pa.field("record_kind", pa.string(), nullable=False),  # article / book_article
        pa.field("title", pa.string()),
        pa.field("abstract", pa.string()),  # structured sections as "LABEL: text", joined by spaces
        pa.field("journal", pa.string()),  # journal title; for a book chapter, the book's title
        pa.field("iso_abbreviation", pa.string()),
        pa.field("volume", pa.string()),
        pa.field("issue", pa.string()),
        pa.field("pages", pa.string()),
        pa.field("pub_date_raw", pa.string()),
        pa.field("pub_date", pa.date32()),
        pa.field("pub_date_precision", pa.string()),
        pa.field("year", pa.int32()),
        pa.field("doi", pa.string()),
        pa.field("pmcid", pa.string()),
        pa.field("languages", STR_LIST),
        pa.field("publication_types", STR_LIST),
        pa.field("first_author", pa.string()),  # "LastName Initials" or the collective name
        pa.field("author_count", pa.int32(), nullable=False),
        pa.field("author_list_complete", pa.bool_()),  # null when the record has no author list
        pa.field("is_rct_report", pa.bool_(), nullable=False),
        pa.field("is_review", pa.bool_(), nullable=False),
        pa.field("date_revised", pa.date32()),
    ]
)

PUBLICATION_MESH = _schema(
    [
        pa.field("pmid", pa.string(), nullable=False),
        pa.field("descriptor", pa.string(), nullable=False),
        pa.field("descriptor_ui", pa.string()),
        pa.field("descriptor_major", pa.bool_(), nullable=False),
        pa.field("qualifier", pa.string()),  # null: the descriptor has no qualifier
        pa.field("qualifier_ui", pa.string()),
        pa.field("qualifier_major", pa.bool_()),
    ]
)

PUBLICATION_KEYWORDS = _schema(
    [
        pa.field("pmid", pa.string(), nullable=False),
        pa.field("keyword", pa.string(), nullable=False),
        pa.field("major", pa.bool_(), nullable=False),
        pa.field("owner", pa.string(), nullable=False),  # NLM, NOTNLM (author keywords), KIE, NASA...
    ]
)

PUBLICATION_REGISTRY_IDS = _schema(
    [
        pa.field("pmid", pa.string(), nullable=False),
        pa.field("registry", pa.string(), nullable=False),  # DataBankName, e.g. ClinicalTrials.gov, ISRCTN
        pa.field("accession", pa.string(), nullable=False),  # NCT ids upper-cased as NCT + 8 digits
        pa.field("found_in", pa.string(), nullable=False),  # databank / title / abstract
        pa.field("is_trial_registry", pa.bool_(), nullable=False),  # false for GENBANK, PDB, Dryad...
    ]
)

DELETED_PMIDS = _schema([pa.field("pmid", pa.string(), nullable=False)])

# What one EFetch body yields besides its deleted PMIDs.
ARTICLE_TABLES: dict[str, pa.Schema] = {
    "publications": PUBLICATIONS,
    "publication_mesh": PUBLICATION_MESH,
    "publication_keywords": PUBLICATION_KEYWORDS,
    "publication_registry_ids": PUBLICATION_REGISTRY_IDS,
}

# Table name (the Parquet folder under data_dir/parquet/pubmed/) -> schema.
TABLES: dict[str, pa.Schema] = {**ARTICLE_TABLES, "deleted_pmids": DELETED_PMIDS}
