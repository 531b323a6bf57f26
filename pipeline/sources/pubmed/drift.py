"""The drift slice of a PubMed run: the oldest-read PMIDs re-read by EFetch after the main query.

A record revised without a new [MDAT] would never be re-read by an incremental pull; re-reading the
oldest-read PMIDs each night keeps every one re-read within ``reread_within_days``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import Any

from pipeline.http.client import RequestRejected
from pipeline.raw.zone import RawRun
from pipeline.sources.pubmed.client import PubmedClient

logger = logging.getLogger(__name__)

# Raw file names of the drift slice's EFetch bodies (drift-000001.xml, ...): never taken over on resume.
DRIFT_PREFIX = "drift"


def fetch_drift(
    client: PubmedClient, raw_run: RawRun, drift_ids: Sequence[str], fetched: Collection[str]
) -> dict[str, Any]:
    """Re-read the drift PMIDs the main query did not fetch, by PMID in batches; the manifest's section.

    The bodies are stored as ``drift-NNNNNN.xml`` with kind ``efetch``, so the normaliser takes them as
    ordinary records and the warehouse keeps the newest read of each PMID: a re-read that changed
    nothing leaves the same content with newer provenance (fetched_at, run_id), which is what the next
    night's oldest-read choice looks at. PubMed has no version-history table, so unlike
    ClinicalTrials.gov's drift no content hash is kept to skip unchanged records. They do not count
    toward the main query's ESearch reconciliation. PMIDs EFetch did not return (or a batch NCBI refused)
    are listed, never taken as removals: only a full pull removes a record. An outage still fails the run.
    """
    pending = [p for p in dict.fromkeys(drift_ids) if p not in fetched]
    batch_size = client.settings.batch_size
    batches: list[dict[str, Any]] = []
    returned: set[str] = set()
    deleted: set[str] = set()
    for number, start in enumerate(range(0, len(pending), batch_size), start=1):
        chunk = pending[start : start + batch_size]
        try:
            response = client.efetch_ids(chunk)
        except RequestRejected as exc:
            # NCBI refuses a batch of PMIDs it no longer knows ("ID list is empty!"): a safety re-read
            # must not fail the night over that; the PMIDs are reported missing like any others.
            logger.warning("PubMed run %s: NCBI refused drift batch %d (%s)", raw_run.run_id, number, exc)
            batches.append({"file": None, "n_ids_requested": len(chunk), "n_records": 0, "refused": str(exc)})
            continue
        file_name = f"{DRIFT_PREFIX}-{number:06d}.xml"
        raw_run.write_response(file_name, response, n_records=response.parsed.n_records, kind="efetch")
        returned.update(response.parsed.pmids)
        deleted.update(response.parsed.deleted_pmids)
        batches.append(
            {"file": file_name, "n_ids_requested": len(chunk), "n_records": response.parsed.n_records}
        )
    missing = [p for p in pending if p not in returned]
    if missing:
        logger.warning(
            "PubMed run %s: EFetch did not return %d of the %d drift PMIDs (kept; only a full pull "
            "removes): %s",
            raw_run.run_id,
            len(missing),
            len(pending),
            ", ".join(missing[:10]),
        )
    return {
        "n_ids_requested": len(pending),
        "n_ids_in_main_query": len(dict.fromkeys(drift_ids)) - len(pending),
        "n_records": sum(b["n_records"] for b in batches),
        "batches": batches,
        "missing_pmids": missing,
        "deleted_pmids": sorted(deleted),
    }
