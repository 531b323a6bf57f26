"""The drift slice of a ClinicalTrials.gov run: trials re-read by NCT id after the main query.

A trial revised without a new ``lastUpdatePostDate`` would never be re-read by an incremental pull;
re-reading the oldest-read trials each night bounds how stale any of them can get.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pipeline.raw.zone import RawRun
from pipeline.sources.ctgov.client import CtgovClient
from pipeline.sources.ctgov.paging import fetch_query
from pipeline.sources.ctgov.request import CtgovRequest


def fetch_drift(
    client: CtgovClient, raw_run: RawRun, request: CtgovRequest, fetched: Collection[str]
) -> dict[str, Any]:
    """Re-read the request's drift ids the main query did not return, by ``filter.ids`` in chunks; the
    manifest's ``drift`` section.

    Each chunk is a query of its own (``drift001-000001.json``, ...) with its own totalCount check, so a
    run holds each study once and a drift chunk never counts toward the main query's reconciliation.
    """
    pending = [i for i in dict.fromkeys(request.drift_ids) if i not in fetched]
    per_request = request.drift_ids_per_request
    queries = []
    for n, start in enumerate(range(0, len(pending), per_request), start=1):
        chunk = pending[start : start + per_request]
        params = {**(request.extra_params or {}), "filter.ids": ",".join(chunk)}
        params.pop("filter.advanced", None)
        tally = fetch_query(client, raw_run, params, f"drift{n:03d}", None)
        queries.append(
            {"n_ids_requested": len(chunk), "total_count": tally.total, "n_records": tally.n_records}
        )
    return {
        "n_ids_requested": len(pending),
        "n_records": sum(q["n_records"] for q in queries),
        "queries": queries,
    }
