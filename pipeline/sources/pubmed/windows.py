"""Searching a PubMed query in entry-date windows small enough for ESearch to hand out.

ESearch hands out at most the first 9,999 ids of a query, even through the history server, so a larger
result is split into entry-date (``edat``) windows by bisection until each fits; each window is then
fetched in batches (``batches.py``).
"""

from __future__ import annotations

from datetime import date, timedelta

from pipeline.errors import FetchError
from pipeline.raw.zone import RawRun
from pipeline.sources.pubmed.batches import Progress, Search, WindowFetcher
from pipeline.sources.pubmed.client import PubmedClient
from pipeline.sources.pubmed.resume import Donor, StaleResume

# No PubMed record has an entry date before its oldest publication year; windows start here.
EARLIEST_EDAT = date(1781, 1, 1)


def format_edat(day: date) -> str:
    return day.strftime("%Y/%m/%d")


class RunFetch:
    """The main query of one ``fetch_run``: its searches (numbered in order) and the windows' batches."""

    def __init__(
        self,
        client: PubmedClient,
        raw_run: RawRun,
        query: str,
        on_progress: Progress | None,
        open_end: date,
        donor: Donor | None,
    ) -> None:
        self.client = client
        self.raw_run = raw_run
        self.query = query
        self.open_end = open_end
        self.donor = donor
        self.cap = client.max_retrievable
        self.n_searches = 0
        self.first_search_at: str | None = None
        self.batches = WindowFetcher(client, raw_run, donor, on_progress)
        self.received = self.batches.received

    def fetch_all(self, low: date | None, high: date | None) -> int:
        """Search and fetch the whole query once, returning its count; ``StaleResume`` when what it
        took over does not add up."""
        first = self.search(low, high)
        total = first.result.count
        self.batches.expected_total = total
        if self.batches.on_progress is not None:
            self.batches.on_progress(0, total)
        self.collect(low, high, first)
        windows_total = sum(w["count"] for w in self.received.windows)
        if windows_total < total:
            if first.adopted:  # records withdrawn since the taken-over search
                raise StaleResume(
                    f"date windows hold {windows_total} records, its first search counted {total}"
                )
            raise FetchError(
                f"PubMed run {self.raw_run.run_id}: date windows hold {windows_total} records but the whole "
                f"query counted {total}; some fall outside {format_edat(EARLIEST_EDAT)}..today; run left "
                "incomplete"
            )
        return total

    def search(self, low: date | None, high: date | None) -> Search:
        self.n_searches += 1
        number = self.n_searches
        name = f"esearch-{number:04d}.xml"
        mindate, maxdate = (format_edat(low) if low else None), (format_edat(high) if high else None)
        if self.donor is not None:
            found = self.donor.search(f"{name}.gz", {"mindate": mindate, "maxdate": maxdate}, self.cap)
            if found is not None:
                record = self.raw_run.adopt_page(self.donor.run, found[0])
                self.donor.n_taken += 1
                self.first_search_at = self.first_search_at or record.fetched_at
                return Search(number, found[1], adopted=True)
        # ESearch lists the PMIDs too (up to the cap): what a resumed run fetches missing batches by.
        page = self.client.esearch(self.query, mindate=mindate, maxdate=maxdate, retmax=self.cap)
        record = self.raw_run.write_response(name, page, n_records=0, kind="esearch")
        self.first_search_at = self.first_search_at or record.fetched_at
        return Search(number, page.parsed, adopted=False)

    def collect(self, low: date | None, high: date | None, searched: Search | None = None) -> None:
        """Fetch a window if ESearch can hand out all of it, else bisect it by entry date."""
        search = searched or self.search(low, high)
        count = search.result.count
        if count <= self.cap:
            self.batches.fetch_window(
                search, format_edat(low) if low else None, format_edat(high) if high else None
            )
            return
        if low is None or high is None:
            low, high = EARLIEST_EDAT, self.open_end
        if low >= high:
            raise FetchError(
                f"PubMed: {count} records have entry date {format_edat(low)}, more than the "
                f"{self.cap} one search can hand out; narrow the query"
            )
        middle = low + (high - low) // 2
        self.collect(low, middle)
        self.collect(middle + timedelta(days=1), high)
