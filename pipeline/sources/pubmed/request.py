"""What one PubMed run asks NCBI for: the query, its entry-date limits, its mode and the drift slice."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pipeline.errors import FetchError

EDAT_FORMAT = re.compile(r"^\d{4}/\d{2}/\d{2}$")


def parse_edat(text: str, what: str) -> date:
    if not EDAT_FORMAT.match(text):
        raise FetchError(f"PubMed {what} {text!r} is not a date in YYYY/MM/DD form")
    try:
        return datetime.strptime(text, "%Y/%m/%d").date()
    except ValueError:
        raise FetchError(f"PubMed {what} {text!r} is not a calendar date") from None


@dataclass(frozen=True)
class PubmedRequest:
    """The run's question, apart from how it is asked (client) and where answers go (raw run).

    ``mindate``/``maxdate`` (``YYYY/MM/DD``, entry date, inclusive) limit the run, e.g. for an
    incremental refresh; give one and the other defaults to the open end. ``mode`` (full / incremental)
    is recorded in the manifest: only a full run's absences mean a record left the query's answer.
    ``drift_ids`` (incremental runs only) are PMIDs re-read by PMID after the main query.
    """

    query: str
    mindate: str | None = None
    maxdate: str | None = None
    mode: str = "full"
    drift_ids: Sequence[str] = ()

    def checked_dates(self) -> tuple[date | None, date | None]:
        """The entry-date limits as dates; a ``FetchError`` for a request NCBI should never see."""
        if not self.query or not self.query.strip():
            raise FetchError("PubMed query is empty")
        if self.drift_ids and self.mode == "full":
            # A full pull reads everything anyway; a re-read PMID the query no longer returns would survive.
            raise FetchError("PubMed: a full pull takes no drift ids")
        low = parse_edat(self.mindate, "mindate") if self.mindate else None
        high = parse_edat(self.maxdate, "maxdate") if self.maxdate else None
        if low is not None and high is not None and low > high:
            raise FetchError(f"PubMed mindate {self.mindate} is after maxdate {self.maxdate}")
        return low, high
