"""PubMed through NCBI E-utilities: search once per date window, fetch via history into the raw zone.

ESearch hands out at most the first 9,999 ids of a query, even through the history server, so a
larger result is split into entry-date (``edat``) windows by bisection until each fits. Every body
is stored as received; a window counts only when the articles fetched equal the count ESearch
announced. Both calls are form POSTs (NCBI accepts them): the default query runs to thousands of
characters and the API key then stays out of URLs; the HTTP layer keeps it out of logs and errors,
and ``public_params`` out of the raw zone and manifests.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

import requests

from pipeline.config import PubmedSettings
from pipeline.errors import FetchError, RawZoneError
from pipeline.http.client import HttpClient, HttpResult
from pipeline.http.redact import redact_params
from pipeline.sources.pubmed_query import default_query, query_for
from pipeline.sources.pubmed_responses import EfetchSummary, EsearchResult, parse_esearch, summarise_efetch
from pipeline.storage.raw_zone import RawRun, utc_now_iso

__all__ = [
    "API_KEY_ENV_VAR",
    "NCBI_MAX_RETRIEVABLE",
    "PubmedClient",
    "api_key_from_env",
    "default_query",
    "fetch_run",
    "query_for",
]

logger = logging.getLogger(__name__)

SOURCE = "pubmed"
API_KEY_ENV_VAR = "NCBI_API_KEY"
# NCBI's own error says "'retstart' cannot be larger than 9998 ... only the first 9,999 records".
NCBI_MAX_RETRIEVABLE = 9_999
RATE_WITHOUT_KEY = 3.0
RATE_WITH_KEY = 10.0
# No PubMed record has an entry date before its oldest publication year; windows start here.
EARLIEST_EDAT = date(1781, 1, 1)
EDAT_FORMAT = re.compile(r"^\d{4}/\d{2}/\d{2}$")

T = TypeVar("T")
Progress = Callable[[int, int | None], None]


def api_key_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The key lives in the environment, never in config.yaml (which gets committed and shared)."""
    value = (environ if environ is not None else os.environ).get(API_KEY_ENV_VAR, "").strip()
    return value or None


def allowed_rate(requested: float, has_api_key: bool) -> float:
    """NCBI allows 3 requests/s per client, 10 with a key; going over gets HTTP 429 and risks a block."""
    return min(requested, RATE_WITH_KEY if has_api_key else RATE_WITHOUT_KEY)


def format_edat(day: date) -> str:
    return day.strftime("%Y/%m/%d")


def parse_edat(text: str, what: str) -> date:
    if not EDAT_FORMAT.match(text):
        raise FetchError(f"PubMed {what} {text!r} is not a date in YYYY/MM/DD form")
    try:
        return datetime.strptime(text, "%Y/%m/%d").date()
    except ValueError:
        raise FetchError(f"PubMed {what} {text!r} is not a calendar date") from None


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class EutilsResponse(Generic[T]):
    """One usable response, with the URL and params as they may be written down (no secrets)."""

    body: bytes
    url: str
    params: dict[str, Any]
    http_status: int
    fetched_at: str
    parsed: T


class PubmedClient:
    """ESearch and EFetch for db=pubmed, sending ``tool``/``email`` (and the key) on every request."""

    def __init__(
        self,
        settings: PubmedSettings,
        user_agent: str,
        api_key: str | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_retrievable: int = NCBI_MAX_RETRIEVABLE,
    ) -> None:
        if max_retrievable < 1:
            raise ValueError("max_retrievable must be positive")
        self.settings = settings
        # Lowered only by tests, to exercise date-window splitting against a server with a tiny cap.
        self.max_retrievable = max_retrievable
        self.base_url = str(settings.base_url).rstrip("/")
        self._api_key = api_key.strip() if api_key and api_key.strip() else None
        rate = allowed_rate(settings.http.requests_per_second, self._api_key is not None)
        http_settings = settings.http.model_copy(update={"requests_per_second": rate})
        self.http = HttpClient(http_settings, user_agent, session=session, sleep=sleep, clock=clock)

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"PubmedClient(base_url={self.base_url!r}, api_key={key})"

    @property
    def has_api_key(self) -> bool:
        return self._api_key is not None

    @property
    def requests_per_second(self) -> float:
        return self.http.settings.requests_per_second

    def close(self) -> None:
        self.http.close()

    def esearch(
        self, term: str, *, mindate: str | None = None, maxdate: str | None = None, retmax: int = 0
    ) -> EutilsResponse[EsearchResult]:
        """One ESearch with history on; ``mindate``/``maxdate`` (edat, inclusive) come as a pair."""
        params: dict[str, Any] = {"db": "pubmed", "term": term, "usehistory": "y", "retmax": retmax}
        if (mindate is None) != (maxdate is None):
            raise FetchError("PubMed ESearch needs both mindate and maxdate, or neither")
        if mindate is not None and maxdate is not None:
            params |= {"datetype": "edat", "mindate": mindate, "maxdate": maxdate}
        return self._post("esearch.fcgi", params, lambda body: parse_esearch(body, require_history=True))

    def efetch(
        self, webenv: str, query_key: str, *, retstart: int, retmax: int
    ) -> EutilsResponse[EfetchSummary]:
        """One batch of full records from a stored search; ``retstart`` counts from 0."""
        params: dict[str, Any] = {
            "db": "pubmed",
            "WebEnv": webenv,
            "query_key": query_key,
            "retstart": retstart,
            "retmax": retmax,
            "retmode": "xml",
        }
        return self._post("efetch.fcgi", params, summarise_efetch)

    def _post(
        self, endpoint: str, params: dict[str, Any], validate: Callable[[bytes], T]
    ) -> EutilsResponse[T]:
        identity: dict[str, Any] = {"tool": self.settings.tool}
        if self.settings.email:
            identity["email"] = self.settings.email
        sent = {**params, **identity}
        if self._api_key:
            sent["api_key"] = self._api_key
        result: HttpResult[T] = self.http.post(f"{self.base_url}/{endpoint}", sent, validate=validate)
        return EutilsResponse(
            body=result.body,
            url=result.url,
            params=public_params(sent),
            http_status=result.status,
            fetched_at=iso_utc(result.fetched_at),
            parsed=result.parsed,
        )


def public_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """What may be written down about a request: no api_key at all, e-mail redacted like in URLs."""
    return dict(redact_params({k: v for k, v in params.items() if k != "api_key"}))


# -- one run ------------------------------------------------------------------------------------------


class _RunFetch:
    """The state of one ``fetch_run``: numbering of stored bodies, counts, windows."""

    def __init__(
        self, client: PubmedClient, raw_run: RawRun, query: str, on_progress: Progress | None
    ) -> None:
        self.client = client
        self.raw_run = raw_run
        self.query = query
        self.on_progress = on_progress
        self.cap = client.max_retrievable
        self.n_searches = 0
        self.n_records = 0
        self.expected_total: int | None = None
        self.windows: list[dict[str, Any]] = []
        self.first_file_of: dict[str, str] = {}
        self.duplicates: dict[str, list[str]] = {}
        self.deleted_pmids: list[str] = []

    def search(self, low: date | None, high: date | None) -> tuple[int, EutilsResponse[EsearchResult]]:
        self.n_searches += 1
        number = self.n_searches
        name = f"esearch-{number:04d}.xml"
        page = self.client.esearch(
            self.query,
            mindate=format_edat(low) if low else None,
            maxdate=format_edat(high) if high else None,
        )
        self.raw_run.write_response(name, page, n_records=0, kind="esearch")
        return number, page

    def collect(
        self,
        low: date | None,
        high: date | None,
        searched: tuple[int, EutilsResponse[EsearchResult]] | None = None,
    ) -> None:
        """Fetch a window if ESearch can hand out all of it, else bisect it by entry date."""
        number, page = searched or self.search(low, high)
        count = page.parsed.count
        if count <= self.cap:
            self.fetch_window(number, page, low, high)
            return
        if low is None or high is None:
            low, high = EARLIEST_EDAT, datetime.now(UTC).date() + timedelta(days=1)
        if low >= high:
            raise FetchError(
                f"PubMed: {count} records have entry date {format_edat(low)}, more than the "
                f"{self.cap} one search can hand out; narrow the query"
            )
        middle = low + (high - low) // 2
        self.collect(low, middle)
        self.collect(middle + timedelta(days=1), high)

    def fetch_window(
        self, window_no: int, page: EutilsResponse[EsearchResult], low: date | None, high: date | None
    ) -> None:
        count = page.parsed.count
        received = 0
        batches = 0
        batch_size = self.client.settings.batch_size
        webenv, query_key = page.parsed.webenv or "", page.parsed.query_key or ""
        for retstart in range(0, count, batch_size):
            batches += 1
            batch = self.client.efetch(
                webenv, query_key, retstart=retstart, retmax=min(batch_size, count - retstart)
            )
            summary = batch.parsed
            file_name = f"efetch-{window_no:04d}-{batches:06d}.xml"
            self.raw_run.write_response(file_name, batch, n_records=summary.n_records, kind="efetch")
            received += summary.n_records
            self.n_records += summary.n_records
            self.deleted_pmids.extend(summary.deleted_pmids)
            for pmid in summary.pmids:
                if pmid in self.first_file_of:
                    self.duplicates.setdefault(pmid, [self.first_file_of[pmid]]).append(file_name)
                else:
                    self.first_file_of[pmid] = file_name
            if self.on_progress is not None:
                self.on_progress(self.n_records, self.expected_total)
        window = {
            "mindate": format_edat(low) if low else None,
            "maxdate": format_edat(high) if high else None,
            "count": count,
            "n_records": received,
            "esearch": f"esearch-{window_no:04d}.xml",
            "n_batches": batches,
        }
        self.windows.append(window)
        if received != count:
            span = f"{window['mindate'] or 'start'}..{window['maxdate'] or 'now'}"
            raise FetchError(
                f"PubMed run {self.raw_run.run_id}: window {span} received {received} records in {batches} "
                f"batches but ESearch counted {count}; run left incomplete"
            )


def fetch_run(
    client: PubmedClient,
    raw_run: RawRun,
    query: str,
    *,
    mindate: str | None = None,
    maxdate: str | None = None,
    on_progress: Progress | None = None,
    mode: str = "full",
) -> dict[str, Any]:
    """Fetch every record matching ``query`` into ``raw_run``; complete only if all counts reconcile.

    ``mindate``/``maxdate`` (``YYYY/MM/DD``, entry date, inclusive) limit the run, e.g. for an
    incremental refresh; give one and the other defaults to the open end. ``mode`` (full /
    incremental) is recorded in the manifest: only a full run's absences mean a record left the
    query's answer. Safe to call again on the same run: earlier pages are dropped first, so a run
    never mixes two snapshots.
    """
    if not query or not query.strip():
        raise FetchError("PubMed query is empty")
    low = parse_edat(mindate, "mindate") if mindate else None
    high = parse_edat(maxdate, "maxdate") if maxdate else None
    if (low is None) != (high is None):
        low = low or EARLIEST_EDAT
        high = high or datetime.now(UTC).date() + timedelta(days=1)
    if low is not None and high is not None and low > high:
        raise FetchError(f"PubMed mindate {mindate} is after maxdate {maxdate}")

    if raw_run.complete:
        # reset_pages() keeps manifest.json, which would then describe deleted pages.
        raise RawZoneError(f"raw run {raw_run.run_id} is already complete; a new fetch needs a new run id")
    started_at = utc_now_iso()
    raw_run.reset_pages()
    run = _RunFetch(client, raw_run, query, on_progress)
    first = run.search(low, high)
    total = first[1].parsed.count
    run.expected_total = total
    if on_progress is not None:
        on_progress(0, total)
    run.collect(low, high, first)

    windows_total = sum(w["count"] for w in run.windows)
    if windows_total < total:
        raise FetchError(
            f"PubMed run {raw_run.run_id}: date windows hold {windows_total} records but the whole query "
            f"counted {total}; some fall outside {format_edat(EARLIEST_EDAT)}..today; run left incomplete"
        )
    if windows_total > total:
        logger.warning(
            "PubMed: %d records were added while the run was splitting its windows", windows_total - total
        )
    if run.duplicates:
        logger.warning(
            "PubMed run %s: %d PMIDs came in more than one window: %s",
            raw_run.run_id,
            len(run.duplicates),
            ", ".join(sorted(run.duplicates)[:10]),
        )
    return raw_run.finish(
        {
            "started_at": started_at,
            "query": query,
            "mode": mode,
            "request_params": {
                "db": "pubmed",
                "term": query,
                "datetype": "edat",
                "mindate": mindate,
                "maxdate": maxdate,
            },
            # E-utilities has no snapshot stamp: the data is PubMed as of the fetch.
            "data_timestamp": started_at,
            "total_count": windows_total,
            "n_records": run.n_records,
            "n_unique_records": len(run.first_file_of),
            "windows": run.windows,
            "deleted_pmids": sorted(set(run.deleted_pmids)),
            "duplicate_pmids": {k: run.duplicates[k] for k in sorted(run.duplicates)},
        }
    )
