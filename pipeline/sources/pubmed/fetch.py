"""One PubMed run: search the query once per date window, fetch via history into the raw zone, then
re-read the drift slice.

Every body is stored as received; a window counts only when the articles fetched equal the count
ESearch announced (``windows.py``, ``batches.py``). A run cut off mid-fetch can be resumed by the next
run with the same plan (``resume.py``). The same PMIDs ESearch lists rescue a run that outlives its
own WebEnv (history sessions expire after hours): once NCBI refuses a window's WebEnv, the rest of that
window is fetched by PMID.

An incremental run may also re-read a drift slice (the oldest-read PMIDs) by PMID after the main query
(``drift.py``), so that a record revised without a new [MDAT] is still re-read within
``reread_within_days``.
"""

from __future__ import annotations

import logging
from typing import Any

from pipeline.errors import RawZoneError
from pipeline.raw.zone import RawRun, utc_now_iso
from pipeline.sources.pubmed.client import PubmedClient
from pipeline.sources.pubmed.drift import fetch_drift
from pipeline.sources.pubmed.manifest import run_summary
from pipeline.sources.pubmed.request import PubmedRequest
from pipeline.sources.pubmed.resume import StaleResume, donor_for, run_plan
from pipeline.sources.pubmed.windows import EARLIEST_EDAT, Progress, RunFetch

logger = logging.getLogger(__name__)


def fetch_run(
    client: PubmedClient,
    raw_run: RawRun,
    request: PubmedRequest,
    *,
    on_progress: Progress | None = None,
    resume_from: RawRun | None = None,
) -> dict[str, Any]:
    """Fetch every record matching the request's query into ``raw_run``; complete only if all counts
    reconcile. Safe to call again on the same run: earlier pages are dropped first, so a run never mixes
    two snapshots.

    ``resume_from`` is a cut-off run (no manifest) this one may continue: when its plan equals this
    run's and its first search is recent (``RESUME_WITHIN``), its searches and whole batches are taken
    over (hard links keeping their fetch times) and only the missing batches are fetched. The
    manifest then names it in ``resumed_from``, and ``data_timestamp`` is the time of the taken-over
    search (what the run's answer reflects). If the records fetched then fall short of what a
    taken-over search counted, everything is searched and fetched again without it.

    The drift PMIDs already fetched by the main query are skipped (see ``drift.fetch_drift``); the
    manifest's ``drift`` section says what came back. They are not part of the plan, and a resumed run
    never takes a cut-off run's drift bodies over: the drift slice is always read afresh.
    """
    low, high = request.checked_dates()
    if raw_run.complete:
        # reset_pages() keeps manifest.json, which would then describe deleted pages.
        raise RawZoneError(f"raw run {raw_run.run_id} is already complete; a new fetch needs a new run id")
    started_at = utc_now_iso()
    plan = run_plan(client, request)
    donor, open_end = donor_for(raw_run, resume_from, plan)
    if (low is None) != (high is None):
        low, high = low or EARLIEST_EDAT, high or open_end
    raw_run.reset_pages()
    raw_run.write_started(started_at, plan, open_end=open_end.isoformat())
    query = request.query
    try:
        try:
            run = RunFetch(client, raw_run, query, on_progress, open_end, donor)
            total = run.fetch_all(low, high)
        except StaleResume as exc:
            # Taking the same responses over again would fail the same way on every run for hours.
            logger.warning(
                "PubMed run %s: the responses taken over from run %s no longer add up (%s); searching again",
                raw_run.run_id,
                donor.run.run_id if donor else None,
                exc,
            )
            raw_run.reset_pages()
            run = RunFetch(client, raw_run, query, on_progress, open_end, None)
            total = run.fetch_all(low, high)
    finally:
        if donor is not None and donor.n_taken:
            donor.run.mark_taken_over(raw_run.run_id, donor.n_taken)
    drift = fetch_drift(client, raw_run, request.drift_ids, run.received.first_file_of)
    return raw_run.finish(run_summary(run, total, drift, started_at=started_at, request=request))
