"""A raw ClinicalTrials.gov response body -> one Arrow table per Parquet table (pure, no I/O).

Accepts a ``/studies`` page (``{"studies": [...]}``) and a single-study document (``/studies/{id}``,
an object with ``protocolSection``). Rows are built column by column, by column name, and converted
to Arrow once per page with the exact schemas of ``schemas.TABLES``; a study the code cannot read fails
the page with a message naming it, rather than being skipped.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import pyarrow as pa

from pipeline.errors import NormaliseError
from pipeline.parquet.provenance import Provenance
from pipeline.sources.ctgov.normalise.derived import add_intervention_mesh
from pipeline.sources.ctgov.normalise.protocol import add_protocol_lists, add_trial
from pipeline.sources.ctgov.normalise.results import add_result_rows
from pipeline.sources.ctgov.normalise.rows import MalformedStudy, PageRows
from pipeline.util.gc_pause import gc_paused


@dataclass(frozen=True)
class PageTables:
    """A normalised page plus what it reported, for the run summary."""

    tables: dict[str, pa.Table]
    n_studies: int
    unknown_values: Counter[str]
    unparseable_dates: Counter[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (nct_id, content_sha256) not kept


# Decides, from a study's nct_id and content hash, whether it becomes rows (False: only noted as skipped).
KeepStudy = Callable[[str, str], bool]


@dataclass(frozen=True)
class UnlessStored:
    """A ``KeepStudy`` keeping a study unless its hash is that of its stored current version: plain data,
    so it can go with a page to another process (a closure cannot be pickled)."""

    stored: Mapping[str, str]  # nct_id -> content hash of the current version

    def __call__(self, nct_id: str, digest: str) -> bool:
        return self.stored.get(nct_id) != digest


def normalise_page(body: bytes, provenance: Provenance, source: str) -> dict[str, pa.Table]:
    """One Arrow table per entry of ``ctgov_schemas.TABLES``; ``source`` names the page in errors."""
    return build_page_tables(body, provenance, source).tables


def build_page_tables(
    body: bytes, provenance: Provenance, source: str, keep: KeepStudy | None = None
) -> PageTables:
    """``keep`` (optional) filters studies before any row is built: the drift re-reads of studies that
    did not change cost a hash, not a normalisation."""
    skipped: list[tuple[str, str]] = []
    with gc_paused():  # a page is ~10^6 acyclic containers: a GC pass over them frees nothing
        studies = page_studies(body, source)
        rows = PageRows()
        for position, study in enumerate(studies):
            digest = content_sha256(study)
            if keep is not None:
                nct_id = _nct_id(study, f"{source}: study #{position + 1}")
                if not keep(nct_id, digest):
                    skipped.append((nct_id, digest))
                    continue
            _add_study(study, position, rows, source, digest)
        del studies
        tables = {name: columns.to_table(provenance, source) for name, columns in rows.tables.items()}
    n_studies = tables["trials"].num_rows
    return PageTables(tables, n_studies, rows.unknown_values, rows.unparseable_dates, skipped)


def content_sha256(study: Any) -> str:
    """Hash of the study as received (keys in the API's order). A different key order only makes an
    unchanged study look changed, which costs a re-normalisation, never a missed change."""
    return hashlib.sha256(orjson.dumps(study)).hexdigest()


def page_studies(body: bytes, source: str) -> list[Any]:
    """The studies of a page body, in order; a single-study document is a page of one."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise NormaliseError(f"{source}: not valid JSON ({exc})") from None
    if isinstance(doc, dict):
        studies = doc.get("studies")
        if isinstance(studies, list):
            return studies
        if "protocolSection" in doc:
            return [doc]
    raise NormaliseError(f"{source}: neither a ClinicalTrials.gov studies page nor a study record")


def _nct_id(study: Any, where: str) -> str:
    protocol = study.get("protocolSection") if isinstance(study, dict) else None
    if not isinstance(protocol, dict):
        raise NormaliseError(f"{where} has no protocolSection")
    ident = protocol.get("identificationModule")
    nct_id = ident.get("nctId") if isinstance(ident, dict) else None
    if not isinstance(nct_id, str) or not nct_id:
        raise NormaliseError(f"{where} has no nctId")
    return nct_id


def _add_study(study: Any, position: int, rows: PageRows, source: str, digest: str) -> None:
    where = f"{source}: study #{position + 1}"
    nct_id = _nct_id(study, where)
    protocol = study["protocolSection"]
    unknown: list[str] = []
    try:
        add_protocol_lists(protocol, nct_id, rows, unknown)
        add_intervention_mesh(study, nct_id, rows)
        results = study.get("resultsSection")
        if results:
            add_result_rows(results, nct_id, rows, unknown)
        add_trial(study, nct_id, digest, rows, unknown)
    except (MalformedStudy, AttributeError, TypeError) as exc:
        raise NormaliseError(f"{where} ({nct_id}) is malformed: {exc}") from None
    if unknown:
        rows.unknown_values.update(unknown)
