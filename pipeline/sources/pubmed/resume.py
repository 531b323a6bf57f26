"""Resuming a PubMed run a crash cut off: which of its stored searches and batches a new run may take over.

ESearch also hands back the window's PMIDs (``retmax``), stored with the search, so the next run with
the same plan takes over the stored searches and whole batches and fetches only the missing batches, by
explicit PMIDs (the old run's WebEnv has likely expired). When those no longer add up (a record
withdrawn since the old search), the run searches again from scratch (``StaleResume``) rather than fail
the same way on every resume.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import orjson

from pipeline.errors import RawZoneError
from pipeline.http.retry import InvalidBody
from pipeline.raw.zone import PageRecord, RawRun
from pipeline.sources.pubmed.client import PubmedClient
from pipeline.sources.pubmed.request import PubmedRequest
from pipeline.sources.pubmed.responses import EfetchSummary, EsearchResult, parse_esearch, summarise_efetch

logger = logging.getLogger(__name__)

# A cut-off run's searches are taken over only this soon after they ran: a same-night re-run resumes,
# the next night searches afresh instead of publishing a day-old answer as new.
RESUME_WITHIN = timedelta(hours=12)

T = TypeVar("T")


class StaleResume(Exception):
    """What was taken over from a cut-off run does not add up (a record withdrawn since its search)."""


class Donor:
    """A cut-off run whose stored searches and batches this run may take over, in its own order.

    Searches are taken over while each matches the one this run is about to make (same number and
    dates, stored whole, all its PMIDs listed); the first that does not ends the taking over, since
    what follows may then split differently. Batches of a taken-over search are taken over one by
    one, each if stored whole and holding only PMIDs of its slice.
    """

    def __init__(self, run: RawRun) -> None:
        self.run = run
        self.records = {r.file: r for r in run.pages()}
        self.active = True
        self.n_taken = 0

    def search(
        self, name: str, expected: dict[str, Any], cap: int
    ) -> tuple[PageRecord, EsearchResult] | None:
        record = self.records.get(name)
        if not self.active or record is None or record.kind != "esearch":
            self.active = False
            return None
        result = self._read(record, lambda body: parse_esearch(body, require_history=True))
        fits = result is not None and {k: record.params.get(k) for k in expected} == expected
        if result is None or not fits or (result.count <= cap and len(result.ids) != result.count):
            self.active = False
            return None
        return record, result

    def batch(self, name: str, pmids: Sequence[str]) -> tuple[PageRecord, EfetchSummary] | None:
        record = self.records.get(name)
        if record is None or record.kind != "efetch":
            return None
        summary = self._read(record, summarise_efetch)
        if summary is None or not set(summary.pmids) <= set(pmids):
            return None
        return record, summary

    def _read(self, record: PageRecord, parse: Callable[[bytes], T]) -> T | None:
        try:
            return parse(self.run.read_body(record))
        except (RawZoneError, InvalidBody) as exc:
            logger.info("PubMed run %s: %s is not stored whole (%s)", self.run.run_id, record.file, exc)
            return None


def run_plan(client: PubmedClient, request: PubmedRequest) -> dict:
    """What a run asks for: a cut-off run is resumed only by a run with an equal plan (drift ids aside:
    the drift slice is always read afresh)."""
    return {
        "base_url": client.base_url,
        "mode": request.mode,
        "term": request.query,
        "mindate": request.mindate,
        "maxdate": request.maxdate,
        "batch_size": client.settings.batch_size,
        "max_retrievable": client.max_retrievable,
    }


def donor_for(raw_run: RawRun, candidate: RawRun | None, plan: dict[str, Any]) -> tuple[Donor | None, date]:
    """The cut-off run to take over (if its plan matches and its search is recent) and its open end.

    The open end (tomorrow, when the run started) bounds date windows the query leaves open; a
    resumed run keeps its donor's, so it splits its windows the same way after midnight too.
    """
    today_end = datetime.now(UTC).date() + timedelta(days=1)
    if candidate is None:
        return None, today_end
    started = candidate.started()
    why = _why_not(candidate, started, plan)
    if started is None or why is not None:
        logger.info("PubMed run %s: not resuming cut-off run %s (%s)", raw_run.run_id, candidate.run_id, why)
        return None, today_end
    open_end = started.get("open_end")
    return Donor(candidate), date.fromisoformat(open_end) if isinstance(open_end, str) else today_end


def _why_not(candidate: RawRun, started: dict[str, Any] | None, plan: dict[str, Any]) -> str | None:
    if started is None:
        return "it recorded no plan"
    if started["plan"] != orjson.loads(orjson.dumps(plan)):
        return "its plan differs from this run's"
    first = next((r for r in candidate.pages() if r.kind == "esearch"), None)
    if first is None:
        return "it stored no search"
    try:
        age = datetime.now(UTC) - candidate.fetched_at_of(first)
    except RawZoneError:
        age = RESUME_WITHIN * 2
    if age > RESUME_WITHIN:
        return f"its search is more than {RESUME_WITHIN.total_seconds() / 3600:g} hours old"
    return None
