"""Turn one run's normalised publications, MeSH headings and keywords into PUBLICATION_CLASSES rows.

Pure (tables in, table out), like the ctgov counterpart, so the step that reads and writes Parquet stays
trivial. Publications get plain term matching (no control logic: an abstract naming a placebo arm is
still about the drug). Only MeSH descriptors are read, not qualifiers: qualifiers ("drug therapy",
"adverse effects") never name a therapy. Provenance is copied from the publication row, so a class row
traces to the same EFetch body as the record it classifies (the latest-fetched row of a PMID read twice).

Tables with the normaliser's column types take the column path (each text column searched in one
pass); any other types take the row path, which checks each value and names the PMID of a bad one.
Both give the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from pipeline.classify.classifier import Match
from pipeline.classify.table_rows import (
    PROVENANCE_COLUMNS,
    checked_rows,
    first_missing_key,
    has_text_types,
    require_columns,
)
from pipeline.classify.terms import snippet
from pipeline.errors import ClassifyError
from pipeline.sources.pubmed.normalise.class_schema import PUBLICATION_CLASSES

if TYPE_CHECKING:
    from pipeline.classify.classifier import Classifier

PUBLICATION_COLUMNS = ("pmid", "title", "abstract")
# Child table name -> (its text column, the matched_field its matches get).
CHILD_TEXTS = {"publication_mesh": ("descriptor", "mesh"), "publication_keywords": ("keyword", "keyword")}
PROVENANCE_SCHEMA = pa.schema([PUBLICATION_CLASSES.field(c) for c in PROVENANCE_COLUMNS])
MATCH_COLUMNS = ("pmid", "treatment_class", "matched_field", "matched_term", "matched_text")


def classify_pubmed_tables(
    publications: pa.Table, mesh: pa.Table, keywords: pa.Table, classifier: Classifier
) -> pa.Table:
    """One run's PUBLICATION_CLASSES rows: matches in title, abstract, MeSH descriptors and keywords."""
    tables = {"publications": publications, "publication_mesh": mesh, "publication_keywords": keywords}
    columns = {
        "publications": (*PUBLICATION_COLUMNS, *PROVENANCE_COLUMNS),
        **{name: ("pmid", column) for name, (column, _) in CHILD_TEXTS.items()},
    }
    for name, table in tables.items():
        require_columns(table, name, columns[name], source="pubmed")
    typed = has_text_types(publications, PUBLICATION_COLUMNS, (), PROVENANCE_SCHEMA) and all(
        has_text_types(tables[name], columns[name], (), pa.schema([])) for name in CHILD_TEXTS
    )
    if not typed:
        return _classify_rows(publications, mesh, keywords, classifier)
    for name, table in tables.items():
        bad = first_missing_key(table, "pmid")
        if bad is not None:
            raise ClassifyError(f"{name} row {bad} has no pmid")
    return _classify_columns(publications, mesh, keywords, classifier)


def _classify_columns(
    publications: pa.Table, mesh: pa.Table, keywords: pa.Table, classifier: Classifier
) -> pa.Table:
    pmids = publications.column("pmid").to_pylist()
    # A PMID read twice in one run takes the provenance of its latest-fetched row (the first of equals).
    fetched = publications.column("fetched_at").cast(pa.int64()).to_pylist()
    source: dict[str, int] = {}
    for row, pmid in enumerate(pmids):
        if pmid not in source or fetched[row] > fetched[source[pmid]]:
            source[pmid] = row

    fields = [
        ("title", pmids, publications.column("title").to_pylist()),
        ("abstract", pmids, publications.column("abstract").to_pylist()),
    ]
    for name, table in (("publication_mesh", mesh), ("publication_keywords", keywords)):
        column, field = CHILD_TEXTS[name]
        owners = table.column("pmid").to_pylist()
        stray = next((pmid for pmid in owners if pmid not in source), None)
        if stray is not None:
            raise ClassifyError(
                f"{name} row for PMID {stray} has no publications row: the tables are not from the same run"
            )
        fields.append((field, owners, table.column(column).to_pylist()))

    found: dict[str, list[Match]] = {}
    for field, owners, texts in fields:
        for hit in classifier.find_terms(texts):
            text = texts[hit.text_index]
            match = Match(hit.name, field, hit.term, snippet(text, hit.start, hit.end))
            found.setdefault(owners[hit.text_index], []).append(match)

    out: dict[str, list] = {c: [] for c in MATCH_COLUMNS}
    provenance_rows: list[int] = []
    for pmid in sorted(found, key=_pmid_order):
        for m in sorted(set(classifier.with_ancestors(found[pmid])), key=_sort_key):
            for column, value in zip(MATCH_COLUMNS, (pmid, *_values(m)), strict=True):
                out[column].append(value)
            provenance_rows.append(source[pmid])
    provenance = publications.select(PROVENANCE_COLUMNS).take(pa.array(provenance_rows, pa.int64()))
    return pa.Table.from_pydict(
        {**out, **{c: provenance.column(c) for c in PROVENANCE_COLUMNS}}, schema=PUBLICATION_CLASSES
    )


def _classify_rows(
    publications: pa.Table, mesh: pa.Table, keywords: pa.Table, classifier: Classifier
) -> pa.Table:
    """Any column types: rows as dicts, each value checked."""
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
            {**dict(zip(MATCH_COLUMNS, (pmid, *_values(m)), strict=True)), **provenance[pmid]}
            for m in sorted(set(matches), key=_sort_key)
        )
    try:
        return pa.Table.from_pylist(out, schema=PUBLICATION_CLASSES)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClassifyError(f"cannot build publication_classes rows: {first_line}") from None


def _pmid_order(pmid: str) -> tuple[int, str]:
    return (len(pmid), pmid)


def _values(m: Match) -> tuple[str, str, str, str | None]:
    return (m.treatment_class, m.matched_field, m.matched_term, m.matched_text)


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
