"""The manifest of a finished PubMed run: the reconciled counts of its windows, drift and resume."""

from __future__ import annotations

import logging
from typing import Any

from pipeline.sources.pubmed.request import PubmedRequest
from pipeline.sources.pubmed.windows import RunFetch

logger = logging.getLogger(__name__)


def run_summary(
    run: RunFetch, total: int, drift: dict[str, Any], *, started_at: str, request: PubmedRequest
) -> dict[str, Any]:
    """What ``RawRun.finish`` writes beside the page list, warning about what is worth a look."""
    received = run.received
    run_id = run.raw_run.run_id
    resumed: dict[str, Any] = {}
    if run.donor is not None and run.donor.n_taken:
        resumed = {"resumed_from": {"run_id": run.donor.run.run_id, "n_responses_kept": run.donor.n_taken}}
        logger.info(
            "PubMed run %s: resumed cut-off run %s, %d stored responses taken over",
            run_id,
            run.donor.run.run_id,
            run.donor.n_taken,
        )
    windows_total = sum(w["count"] for w in received.windows)
    if windows_total > total:
        logger.warning(
            "PubMed: %d records were added while the run was splitting its windows", windows_total - total
        )
    if received.duplicates:
        logger.warning(
            "PubMed run %s: %d PMIDs came in more than one window: %s",
            run_id,
            len(received.duplicates),
            ", ".join(sorted(received.duplicates)[:10]),
        )
    webenv_lost = list(received.webenv_lost.values())
    return {
        "started_at": started_at,
        "query": request.query,
        "mode": request.mode,
        "request_params": {
            "db": "pubmed",
            "term": request.query,
            "datetype": "edat",
            "mindate": request.mindate,
            "maxdate": request.maxdate,
        },
        # E-utilities has no snapshot stamp: the data is PubMed as of the (first) search.
        "data_timestamp": run.first_search_at if resumed else started_at,
        "total_count": windows_total,
        "n_records": received.n_records,
        "n_unique_records": len(received.first_file_of),
        "windows": received.windows,
        "deleted_pmids": sorted(set(received.deleted_pmids)),
        "duplicate_pmids": {k: received.duplicates[k] for k in sorted(received.duplicates)},
        "drift": drift,
        **({"webenv_lost": webenv_lost} if webenv_lost else {}),
        **resumed,
    }
