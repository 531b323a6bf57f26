"""Turn one run's normalised publications, MeSH headings and keywords into PUBLICATION_CLASSES rows.

Pure (tables in, table out), like the ctgov counterpart, so the step that reads and writes Parquet stays
trivial. Publications get plain term matching (no control logic: an abstract naming a placebo arm is
still about the drug). Only MeSH descriptors are read, not qualifiers: qualifiers ("drug therapy",
"adverse effects") never name a therapy. Provenance is copied from the publication row, so a class row
traces to the same EFetch body as the record it classifies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from pipeline.classify.table_rows import PROVENANCE_COLUMNS, checked_rows
from pipeline.errors import ClassifyError
from pipeline.sources.pubmed.normalise.class_schema import PUBLICATION_CLASSES

if TYPE_CHECKING:
    from pipeline.classify.classifier import Classifier, Match

PUBLICATION_COLUMNS = ("pmid", "title", "abstract")
# Child table name -> (its text column, the matched_field its matches get).
CHILD_TEXTS = {"publication_mesh": ("descriptor", "mesh"), "publication_keywords": ("keyword", "keyword")}


def classify_pubmed_tables(
    publications: pa.Table, mesh: pa.Table, keywords: pa.Table, classifier: Classifier
) -> pa.Table:
    """One run's PUBLICATION_CLASSES rows: matches in title, abstract, MeSH descriptors and keywords."""
    pub_rows = _rows(publications, "publications", (*PUBLICATION_COLUMNS, *PROVENANCE_COLUMNS))
    texts: dict[str, list[tuple[str, str]]] = {}
    provenance: dict[str, dict[str, object]] = {}
    for row in pub_rows:
        pmid = row["pmid"]
        known = provenance.get(pmid)
        if known is None or row["fetched_at"] > known["fetched_at"]:
            provenance[pmid] = {column: row[column] for column in PROVENANCE_COLUMNS}
        texts.setdefault(pmid, []).extend(_texts(row, pmid, ("title", "abstract")))
    for name, table in (("publication_mesh", mesh), ("publication_keywords", keywords)):
        column, field = CHILD_TEXTS[name]
        for row in _rows(table, name, ("pmid", column)):
            if row["pmid"] not in texts:
                raise ClassifyError(
                    f"{name} row for PMID {row['pmid']} has no publications row: "
                    "the tables are not from the same run"
                )
            texts[row["pmid"]].extend((field, text) for _, text in _texts(row, row["pmid"], (column,)))

    out: list[dict[str, object]] = []
    for pmid in sorted(texts, key=_pmid_order):
        matches = classifier.classify_text_fields(list(dict.fromkeys(texts[pmid])))
        out.extend(
            {
                "pmid": pmid,
                "treatment_class": m.treatment_class,
                "matched_field": m.matched_field,
                "matched_term": m.matched_term,
                "matched_text": m.matched_text,
                **provenance[pmid],
            }
            for m in sorted(set(matches), key=_sort_key)
        )
    try:
        return pa.Table.from_pylist(out, schema=PUBLICATION_CLASSES)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClassifyError(f"cannot build publication_classes rows: {first_line}") from None


def _pmid_order(pmid: str) -> tuple[int, str]:
    return (len(pmid), pmid)


def _sort_key(m: Match) -> tuple[str, str, str, str]:
    return (m.treatment_class, m.matched_field, m.matched_term, m.matched_text or "")


def _texts(row: dict, pmid: str, columns: Sequence[str]) -> list[tuple[str, str]]:
    found = []
    for column in columns:
        value = row[column]
        if value is None:
            continue
        if not isinstance(value, str):
            raise ClassifyError(f"PMID {pmid}: {column} must be text or null, got {type(value).__name__}")
        found.append((column, value))
    return found


def _rows(table: pa.Table, name: str, columns: Sequence[str]) -> list[dict]:
    return checked_rows(table, name, columns, key="pmid", source="pubmed")
