"""One ClinicalTrials.gov run: page through the condition's studies into the raw zone, then the drift slice.

Every page body is kept byte for byte, and a run is marked complete only when the number of studies
received equals the ``totalCount`` the API announced (``paging.py``). Parsing into tables happens
later, from the raw zone.

A run cut off mid-fetch is resumed by the next run with the same plan while the registry still
serves the same snapshot (``resume.py``). Anything that shows the old pages no longer fit (the token
refused, a study coming twice, counts not adding up) restarts the query from page one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pipeline.errors import FetchError
from pipeline.raw.zone import RawRun, utc_now_iso
from pipeline.sources.ctgov.client import CtgovClient
from pipeline.sources.ctgov.drift import fetch_drift
from pipeline.sources.ctgov.paging import StaleResume, fetch_query
from pipeline.sources.ctgov.request import FULL_PULL, CtgovRequest
from pipeline.sources.ctgov.resume import run_plan, take_over

logger = logging.getLogger(__name__)


def fetch_run(
    client: CtgovClient,
    raw_run: RawRun,
    request: CtgovRequest = FULL_PULL,
    *,
    on_page: Callable[[int, int | None], None] | None = None,
    resume_from: RawRun | None = None,
) -> dict[str, Any]:
    """Fetch every page into ``raw_run`` and mark it complete only if the counts reconcile.

    Drift ids the main query already returned are skipped so a run holds each study once. Safe to call
    again on the same run (a Prefect retry): earlier pages are dropped first, so a run never mixes two
    snapshots.

    ``resume_from`` is a crashed run (no manifest) this one may continue: when its plan equals this
    run's and the registry still serves the same snapshot, its whole pages of the main query are
    taken over (hard links keeping their own fetch times) and paging continues after them. Its drift
    pages are not: the drift slice is always re-read. The manifest then names it in
    ``resumed_from``; the pages and counts are those of an uninterrupted fetch.
    """
    started_at = utc_now_iso()
    extra_params, mode = request.extra_params, request.mode
    request_params = client.search_params(extra_params)  # a bad extra param fails before any file is touched
    if request.drift_ids_per_request < 1:
        raise FetchError("ClinicalTrials.gov: drift_ids_per_request must be at least 1")
    plan = run_plan(client, request_params, mode)
    raw_run.reset_pages()
    raw_run.write_started(started_at, plan)
    version = client.fetch_version()
    raw_run.write_response("version.json", version, n_records=0, kind="version")
    data_timestamp = version.parsed["dataTimestamp"]
    kept = take_over(raw_run, resume_from, plan, data_timestamp)
    donor_id = resume_from.run_id if resume_from else None
    try:
        main = fetch_query(client, raw_run, extra_params, "page", on_page, [k.parsed for k in kept])
    except StaleResume as exc:
        logger.warning(
            "ClinicalTrials.gov run %s: the %d pages taken over from run %s no longer fit (%s); "
            "fetching again from page one",
            raw_run.run_id,
            len(kept),
            donor_id,
            exc,
        )
        raw_run.drop_pages(p.file for p in raw_run.pages() if p.kind == "page")
        kept = []
        main = fetch_query(client, raw_run, extra_params, "page", on_page)
    drift = fetch_drift(client, raw_run, request, main.first_page_of)
    resumed = {"resumed_from": {"run_id": donor_id, "n_pages_kept": len(kept)}} if kept else {}
    return raw_run.finish(
        {
            "started_at": started_at,
            "mode": mode,
            "request_params": request_params,
            "api_version": version.parsed["apiVersion"],
            "data_timestamp": data_timestamp,
            "total_count": main.total,
            "n_records": main.n_records,
            "n_unique_records": len(main.first_page_of),
            "n_pages": main.n_pages,
            "duplicate_nct_ids": {k: main.duplicates[k] for k in sorted(main.duplicates)},
            "drift": drift,
            **resumed,
        }
    )
