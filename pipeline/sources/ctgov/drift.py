"""The drift slice of a ClinicalTrials.gov run: trials re-read by NCT id after the main query.

A trial revised without a new ``lastUpdatePostDate`` would never be re-read by an incremental pull;
re-reading the oldest-read trials each night bounds how stale any of them can get.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pipeline.raw.zone import RawRun
from pipeline.sources.ctgov.client import CtgovClient
from pipeline.sources.ctgov.paging import fetch_query

# NCT ids per drift request. Each id costs 14 URL characters (11 + an encoded comma), so 300 ids keep the
# GET URL near 4.3 KB, well under the 8 KB many servers and proxies accept, while a 50,000-trial drift
# slice (1,667 ids) takes 6 requests instead of 17: at the live API's 1 request/s that is 11 s a night.
DRIFT_IDS_PER_REQUEST = 300


def fetch_drift(
    client: CtgovClient,
    raw_run: RawRun,
    extra_params: Mapping[str, Any] | None,
    drift_ids: Sequence[str],
    fetched: Collection[str],
    ids_per_request: int,
) -> dict[str, Any]:
    """Re-read ``drift_ids`` the main query did not return, by ``filter.ids`` in chunks; the manifest's
    ``drift`` section.

    Each chunk is a query of its own (``drift001-000001.json``, ...) with its own totalCount check, so a
    run holds each study once and a drift chunk never counts toward the main query's reconciliation.
    """
    pending = [i for i in dict.fromkeys(drift_ids) if i not in fetched]
    queries = []
    for n, start in enumerate(range(0, len(pending), ids_per_request), start=1):
        chunk = pending[start : start + ids_per_request]
        params = {**(extra_params or {}), "filter.ids": ",".join(chunk)}
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
