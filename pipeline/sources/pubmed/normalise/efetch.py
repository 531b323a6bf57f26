"""One raw EFetch body (a <PubmedArticleSet>) to Arrow tables, streaming, all or nothing.

lxml's iterparse frees each record once its rows are taken, so memory follows the batch's rows, not
the size of the XML. Entities are not resolved and no DTD or network is touched: the body is untrusted
input and the DOCTYPE's URL must never be fetched. A body that is not well-formed XML (a dropped
connection, an HTML error page) or is not a PubmedArticleSet raises NormaliseError and yields nothing:
rows from half a response would look complete downstream.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from lxml import etree

from pipeline.errors import NormaliseError
from pipeline.parquet.columns import TableColumns, empty_columns
from pipeline.parquet.provenance import Provenance
from pipeline.sources.pubmed.normalise.articles import Tables, add_book_article, add_journal_article, text_of
from pipeline.sources.pubmed.normalise.schemas import ARTICLE_TABLES, DELETED_PMIDS
from pipeline.util import untrusted_xml

ROOT_TAG = "PubmedArticleSet"
_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")


@dataclass(frozen=True)
class PubmedBatch:
    tables: dict[str, pa.Table]  # keys and schemas: pubmed_schemas.ARTICLE_TABLES
    deleted_pmids: list[str]  # PMIDs PubMed withdrew: the warehouse drops their rows
    n_skipped: int = 0  # records without a PMID, which nothing could key

    @property
    def n_articles(self) -> int:
        return self.tables["publications"].num_rows


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def _free(elem: etree._Element) -> None:
    """Drop a processed record and the already-processed siblings still linked before it."""
    elem.clear(keep_tail=True)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def _check_provenance(provenance: Provenance, source: str) -> None:
    if provenance.fetched_at.tzinfo is None:
        raise NormaliseError(
            f"{source}: fetched_at must be timezone-aware (UTC), got {provenance.fetched_at}"
        )


def _read_records(body: bytes, source: str) -> tuple[Tables, list[str], int]:
    if not body.strip():
        raise NormaliseError(f"{source}: empty EFetch body")
    tables = empty_columns(ARTICLE_TABLES)
    deleted: list[str] = []
    skipped = 0
    context = untrusted_xml.iterparse_ends(body, _RECORD_TAGS)
    try:
        for _, elem in context:
            if elem.tag == "DeleteCitation":
                deleted.extend(pmid for pmid in map(text_of, elem.iterfind("PMID")) if pmid is not None)
            else:
                add_record = add_journal_article if elem.tag == "PubmedArticle" else add_book_article
                if not add_record(elem, tables):
                    skipped += 1
            _free(elem)
        root = context.root
    except etree.XMLSyntaxError as error:
        raise NormaliseError(f"{source}: malformed or truncated PubMed XML: {_one_line(error)}") from None
    if root is None or root.tag != ROOT_TAG:
        tag = "none" if root is None else root.tag
        detail = text_of(root.find("ERROR")) if root is not None else None
        message = f"{source}: not a PubMed EFetch response (root element <{tag}>, expected <{ROOT_TAG}>)"
        raise NormaliseError(f"{message}: {detail}" if detail else message)
    return tables, deleted, skipped


def deleted_pmids_table(pmids: list[str], provenance: Provenance) -> pa.Table:
    rows = TableColumns("deleted_pmids", DELETED_PMIDS)
    rows.columns["pmid"].extend(pmids)
    return rows.to_table(provenance, "deleted PMIDs")


def parse_efetch(body: bytes, provenance: Provenance, source: str) -> PubmedBatch:
    """Tables of one EFetch response body; `source` names it (e.g. the raw file) in error messages."""
    _check_provenance(provenance, source)
    rows, deleted, skipped = _read_records(body, source)
    tables = {name: columns.to_table(provenance, source) for name, columns in rows.items()}
    return PubmedBatch(tables=tables, deleted_pmids=deleted, n_skipped=skipped)
