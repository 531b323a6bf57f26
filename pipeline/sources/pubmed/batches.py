"""Fetching one searched date window's records in EFetch batches, and what the run's batches brought.

A batch comes through the search's history (WebEnv), from a cut-off run's stored bodies when its search
was taken over, or by the window's PMIDs once NCBI refused the WebEnv. A window counts only when the
records fetched equal the count its ESearch announced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import FetchError
from pipeline.http.client import HttpResult, RequestRejected
from pipeline.raw.zone import RawRun
from pipeline.sources.pubmed.client import PubmedClient
from pipeline.sources.pubmed.responses import EfetchSummary, EsearchResult
from pipeline.sources.pubmed.resume import Donor, StaleResume

logger = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Search:
    number: int
    result: EsearchResult
    adopted: bool  # taken over from a cut-off run: its WebEnv may be gone, so fetch by PMID


@dataclass
class Received:
    """What the run's batches brought, across its windows: the manifest's counts."""

    n_records: int = 0
    windows: list[dict[str, Any]] = field(default_factory=list)
    first_file_of: dict[str, str] = field(default_factory=dict)
    duplicates: dict[str, list[str]] = field(default_factory=dict)
    deleted_pmids: list[str] = field(default_factory=list)
    # Windows whose WebEnv NCBI refused mid-run: the rest of their batches are fetched by PMID.
    webenv_lost: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, file_name: str, summary: EfetchSummary) -> None:
        self.n_records += summary.n_records
        self.deleted_pmids.extend(summary.deleted_pmids)
        for pmid in summary.pmids:
            if pmid in self.first_file_of:
                self.duplicates.setdefault(pmid, [self.first_file_of[pmid]]).append(file_name)
            else:
                self.first_file_of[pmid] = file_name


class WindowFetcher:
    """Fetches searched windows batch by batch into the raw zone, tallying them in ``received``."""

    def __init__(
        self, client: PubmedClient, raw_run: RawRun, donor: Donor | None, on_progress: Progress | None
    ) -> None:
        self.client = client
        self.raw_run = raw_run
        self.donor = donor
        self.on_progress = on_progress
        self.received = Received()
        self.expected_total: int | None = None

    def fetch_window(self, search: Search, mindate: str | None, maxdate: str | None) -> None:
        count = search.result.count
        received = 0
        batches = 0
        batch_size = self.client.settings.batch_size
        for retstart in range(0, count, batch_size):
            batches += 1
            retmax = min(batch_size, count - retstart)
            file_name = f"efetch-{search.number:04d}-{batches:06d}.xml"
            summary = self.batch(search, file_name, retstart, retmax)
            received += summary.n_records
            self.received.add(file_name, summary)
            if self.on_progress is not None:
                self.on_progress(self.received.n_records, self.expected_total)
        window = {
            "mindate": mindate,
            "maxdate": maxdate,
            "count": count,
            "n_records": received,
            "esearch": f"esearch-{search.number:04d}.xml",
            "n_batches": batches,
        }
        self.received.windows.append(window)
        if received != count:
            span = f"{mindate or 'start'}..{maxdate or 'now'}"
            if search.adopted:  # a fresh search may count what the old one did not: search again
                raise StaleResume(f"window {span} received {received} records but its search counted {count}")
            raise FetchError(
                f"PubMed run {self.raw_run.run_id}: window {span} received {received} records in {batches} "
                f"batches but ESearch counted {count}; run left incomplete"
            )

    def batch(self, search: Search, file_name: str, retstart: int, retmax: int) -> EfetchSummary:
        """One EFetch batch: taken over when the search was and it is stored whole, else fetched."""
        if search.adopted and self.donor is not None:
            pmids = search.result.ids[retstart : retstart + retmax]
            found = self.donor.batch(f"{file_name}.gz", pmids)
            if found is not None:
                self.raw_run.adopt_page(self.donor.run, found[0])
                self.donor.n_taken += 1
                return found[1]
            batch = self.client.efetch_ids(pmids)
        else:
            batch = self.through_history(search, file_name, retstart, retmax)
        self.raw_run.write_response(file_name, batch, n_records=batch.parsed.n_records, kind="efetch")
        return batch.parsed

    def through_history(
        self, search: Search, file_name: str, retstart: int, retmax: int
    ) -> HttpResult[EfetchSummary]:
        """One batch through the search's WebEnv, or by its PMIDs once NCBI refused that WebEnv.

        History sessions expire after hours (no guaranteed lifetime), so a long or slow run can outlive
        its search's. ESearch listed the window's PMIDs in history order, so the batch (and the rest of
        the window, without asking the dead WebEnv again) is fetched by them: the same records. Only a
        refusal by NCBI counts (an error body after every retry, or HTTP 4xx): an outage still fails the
        run, and so does a window whose PMIDs the search did not all list.
        """
        ids = search.result.ids
        if search.number in self.received.webenv_lost:
            return self.client.efetch_ids(ids[retstart : retstart + retmax])
        webenv, query_key = search.result.webenv or "", search.result.query_key or ""
        try:
            return self.client.efetch(webenv, query_key, retstart=retstart, retmax=retmax)
        except RequestRejected as exc:  # NCBI answered, refusing; an outage is a plain FetchError
            if len(ids) != search.result.count:
                raise
            esearch = f"esearch-{search.number:04d}.xml"
            logger.warning(
                "PubMed run %s: NCBI refused the WebEnv of %s (expired?): fetching the rest of its window "
                "by PMID from %s on (%s)",
                self.raw_run.run_id,
                esearch,
                file_name,
                exc,
            )
            lost = {"esearch": esearch, "from_file": file_name, "error": str(exc)}
            self.received.webenv_lost[search.number] = lost
            return self.client.efetch_ids(ids[retstart : retstart + retmax])
