"""PubMed through NCBI E-utilities: search once per date window, fetch via history into the raw zone.

ESearch hands out at most the first 9,999 ids of a query, even through the history server, so a
larger result is split into entry-date (``edat``) windows by bisection until each fits. Every body
is stored as received; a window counts only when the articles fetched equal the count ESearch
announced. Both calls are form POSTs (NCBI accepts them): the default query runs to thousands of
characters and the API key then stays out of URLs; the HTTP layer keeps it out of logs and errors,
and ``public_params`` out of the raw zone and manifests.

ESearch also hands back the window's PMIDs (``retmax``), stored with the search, so a run cut off
mid-fetch can be resumed by the next run with the same plan: it takes over the stored searches and
whole batches and fetches only the missing batches, by explicit PMIDs (the old run's WebEnv has
likely expired). When those no longer add up (a record withdrawn since the old search), the run
searches again from scratch rather than fail the same way on every resume. The same PMIDs rescue a run
that outlives its own WebEnv (history sessions expire after hours): once NCBI refuses a window's WebEnv,
the rest of that window is fetched by PMID.

An incremental run may also re-read a drift slice (the oldest-read PMIDs) by PMID after the main query,
so that a record revised without a new [MDAT] is still re-read within ``reread_within_days``.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

import orjson
import requests

from pipeline.config import PubmedSettings
from pipeline.errors import FetchError, RawZoneError
from pipeline.http.client import HttpClient, HttpResult, RequestRejected
from pipeline.http.redact import redact_params
from pipeline.http.retry import InvalidBody
from pipeline.raw.zone import PageRecord, RawRun, utc_now_iso
from pipeline.sources.pubmed.query import default_query, query_for
from pipeline.sources.pubmed.responses import EfetchSummary, EsearchResult, parse_esearch, summarise_efetch

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
# A cut-off run's searches are taken over only this soon after they ran: a same-night re-run resumes,
# the next night searches afresh instead of publishing a day-old answer as new.
RESUME_WITHIN = timedelta(hours=12)
# Raw file names of the drift slice's EFetch bodies (drift-000001.xml, ...): never taken over on resume.
DRIFT_PREFIX = "drift"

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

    def efetch_ids(self, pmids: Sequence[str]) -> EutilsResponse[EfetchSummary]:
        """Full records of explicit PMIDs (in the form body, so thousands fit)."""
        params: dict[str, Any] = {"db": "pubmed", "id": ",".join(pmids), "retmode": "xml"}
        return self._post("efetch.fcgi", params, summarise_efetch)

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


@dataclass(frozen=True)
class _Search:
    number: int
    result: EsearchResult
    adopted: bool  # taken over from a cut-off run: its WebEnv may be gone, so fetch by PMID


class _StaleResume(Exception):
    """What was taken over from a cut-off run does not add up (a record withdrawn since its search)."""


class _Donor:
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


class _RunFetch:
    """The state of one ``fetch_run``: numbering of stored bodies, counts, windows."""

    def __init__(
        self,
        client: PubmedClient,
        raw_run: RawRun,
        query: str,
        on_progress: Progress | None,
        open_end: date,
        donor: _Donor | None,
    ) -> None:
        self.client = client
        self.raw_run = raw_run
        self.query = query
        self.on_progress = on_progress
        self.open_end = open_end
        self.donor = donor
        self.cap = client.max_retrievable
        self.n_searches = 0
        self.n_records = 0
        self.expected_total: int | None = None
        self.windows: list[dict[str, Any]] = []
        self.first_file_of: dict[str, str] = {}
        self.duplicates: dict[str, list[str]] = {}
        self.deleted_pmids: list[str] = []
        self.first_search_at: str | None = None
        # Windows whose WebEnv NCBI refused mid-run: the rest of their batches are fetched by PMID.
        self.webenv_lost: dict[int, dict[str, Any]] = {}

    def fetch_all(self, low: date | None, high: date | None) -> int:
        """Search and fetch the whole query once, returning its count; ``_StaleResume`` when what it
        took over does not add up."""
        first = self.search(low, high)
        total = first.result.count
        self.expected_total = total
        if self.on_progress is not None:
            self.on_progress(0, total)
        self.collect(low, high, first)
        windows_total = sum(w["count"] for w in self.windows)
        if windows_total < total:
            if first.adopted:  # records withdrawn since the taken-over search
                raise _StaleResume(
                    f"date windows hold {windows_total} records, its first search counted {total}"
                )
            raise FetchError(
                f"PubMed run {self.raw_run.run_id}: date windows hold {windows_total} records but the whole "
                f"query counted {total}; some fall outside {format_edat(EARLIEST_EDAT)}..today; run left "
                "incomplete"
            )
        return total

    def search(self, low: date | None, high: date | None) -> _Search:
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
                return _Search(number, found[1], adopted=True)
        # ESearch lists the PMIDs too (up to the cap): what a resumed run fetches missing batches by.
        page = self.client.esearch(self.query, mindate=mindate, maxdate=maxdate, retmax=self.cap)
        record = self.raw_run.write_response(name, page, n_records=0, kind="esearch")
        self.first_search_at = self.first_search_at or record.fetched_at
        return _Search(number, page.parsed, adopted=False)

    def collect(self, low: date | None, high: date | None, searched: _Search | None = None) -> None:
        """Fetch a window if ESearch can hand out all of it, else bisect it by entry date."""
        search = searched or self.search(low, high)
        count = search.result.count
        if count <= self.cap:
            self.fetch_window(search, low, high)
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

    def fetch_window(self, search: _Search, low: date | None, high: date | None) -> None:
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
            "esearch": f"esearch-{search.number:04d}.xml",
            "n_batches": batches,
        }
        self.windows.append(window)
        if received != count:
            span = f"{window['mindate'] or 'start'}..{window['maxdate'] or 'now'}"
            if search.adopted:  # a fresh search may count what the old one did not: search again
                raise _StaleResume(
                    f"window {span} received {received} records but its search counted {count}"
                )
            raise FetchError(
                f"PubMed run {self.raw_run.run_id}: window {span} received {received} records in {batches} "
                f"batches but ESearch counted {count}; run left incomplete"
            )

    def batch(self, search: _Search, file_name: str, retstart: int, retmax: int) -> EfetchSummary:
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
        self, search: _Search, file_name: str, retstart: int, retmax: int
    ) -> EutilsResponse[EfetchSummary]:
        """One batch through the search's WebEnv, or by its PMIDs once NCBI refused that WebEnv.

        History sessions expire after hours (no guaranteed lifetime), so a long or slow run can outlive
        its search's. ESearch listed the window's PMIDs in history order, so the batch (and the rest of
        the window, without asking the dead WebEnv again) is fetched by them: the same records. Only a
        refusal by NCBI counts (an error body after every retry, or HTTP 4xx): an outage still fails the
        run, and so does a window whose PMIDs the search did not all list.
        """
        ids = search.result.ids
        if search.number in self.webenv_lost:
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
            self.webenv_lost[search.number] = {"esearch": esearch, "from_file": file_name, "error": str(exc)}
            return self.client.efetch_ids(ids[retstart : retstart + retmax])


def _fetch_drift(
    client: PubmedClient, raw_run: RawRun, drift_ids: Sequence[str], fetched: Collection[str]
) -> dict[str, Any]:
    """Re-read the drift PMIDs the main query did not fetch, by PMID in batches; the manifest's section.

    The bodies are stored as ``drift-NNNNNN.xml`` with kind ``efetch``, so the normaliser takes them as
    ordinary records and the warehouse keeps the newest read of each PMID: a re-read that changed
    nothing leaves the same content with newer provenance (fetched_at, run_id), which is what the next
    night's oldest-read choice looks at. PubMed has no version-history table, so unlike
    ClinicalTrials.gov's drift no content hash is kept to skip unchanged records. They do not count
    toward the main query's ESearch reconciliation. PMIDs EFetch did not return (or a batch NCBI refused)
    are listed, never taken as removals: only a full pull removes a record. An outage still fails the run.
    """
    pending = [p for p in dict.fromkeys(drift_ids) if p not in fetched]
    batch_size = client.settings.batch_size
    batches: list[dict[str, Any]] = []
    returned: set[str] = set()
    deleted: set[str] = set()
    for number, start in enumerate(range(0, len(pending), batch_size), start=1):
        chunk = pending[start : start + batch_size]
        try:
            response = client.efetch_ids(chunk)
        except RequestRejected as exc:
            # NCBI refuses a batch of PMIDs it no longer knows ("ID list is empty!"): a safety re-read
            # must not fail the night over that; the PMIDs are reported missing like any others.
            logger.warning("PubMed run %s: NCBI refused drift batch %d (%s)", raw_run.run_id, number, exc)
            batches.append({"file": None, "n_ids_requested": len(chunk), "n_records": 0, "refused": str(exc)})
            continue
        file_name = f"{DRIFT_PREFIX}-{number:06d}.xml"
        raw_run.write_response(file_name, response, n_records=response.parsed.n_records, kind="efetch")
        returned.update(response.parsed.pmids)
        deleted.update(response.parsed.deleted_pmids)
        batches.append(
            {"file": file_name, "n_ids_requested": len(chunk), "n_records": response.parsed.n_records}
        )
    missing = [p for p in pending if p not in returned]
    if missing:
        logger.warning(
            "PubMed run %s: EFetch did not return %d of the %d drift PMIDs (kept; only a full pull "
            "removes): %s",
            raw_run.run_id,
            len(missing),
            len(pending),
            ", ".join(missing[:10]),
        )
    return {
        "n_ids_requested": len(pending),
        "n_ids_in_main_query": len(dict.fromkeys(drift_ids)) - len(pending),
        "n_records": sum(b["n_records"] for b in batches),
        "batches": batches,
        "missing_pmids": missing,
        "deleted_pmids": sorted(deleted),
    }


def run_plan(client: PubmedClient, query: str, mindate: str | None, maxdate: str | None, mode: str) -> dict:
    """What a run asks for: a cut-off run is resumed only by a run with an equal plan."""
    return {
        "base_url": client.base_url,
        "mode": mode,
        "term": query,
        "mindate": mindate,
        "maxdate": maxdate,
        "batch_size": client.settings.batch_size,
        "max_retrievable": client.max_retrievable,
    }


def _donor_for(raw_run: RawRun, candidate: RawRun | None, plan: dict[str, Any]) -> tuple[_Donor | None, date]:
    """The cut-off run to take over (if its plan matches and its search is recent) and its open end.

    The open end (tomorrow, when the run started) bounds date windows the query leaves open; a
    resumed run keeps its donor's, so it splits its windows the same way after midnight too.
    """
    today_end = datetime.now(UTC).date() + timedelta(days=1)
    if candidate is None:
        return None, today_end
    started = candidate.started()
    first = next((r for r in candidate.pages() if r.kind == "esearch"), None)
    why = None
    if started is None:
        why = "it recorded no plan"
    elif started["plan"] != orjson.loads(orjson.dumps(plan)):
        why = "its plan differs from this run's"
    elif first is None:
        why = "it stored no search"
    else:
        try:
            age = datetime.now(UTC) - candidate.fetched_at_of(first)
        except RawZoneError:
            age = RESUME_WITHIN * 2
        if age > RESUME_WITHIN:
            why = f"its search is more than {RESUME_WITHIN.total_seconds() / 3600:g} hours old"
    if started is None or why is not None:
        logger.info("PubMed run %s: not resuming cut-off run %s (%s)", raw_run.run_id, candidate.run_id, why)
        return None, today_end
    open_end = started.get("open_end")
    return _Donor(candidate), date.fromisoformat(open_end) if isinstance(open_end, str) else today_end


def fetch_run(
    client: PubmedClient,
    raw_run: RawRun,
    query: str,
    *,
    mindate: str | None = None,
    maxdate: str | None = None,
    on_progress: Progress | None = None,
    mode: str = "full",
    resume_from: RawRun | None = None,
    drift_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """Fetch every record matching ``query`` into ``raw_run``; complete only if all counts reconcile.

    ``mindate``/``maxdate`` (``YYYY/MM/DD``, entry date, inclusive) limit the run, e.g. for an
    incremental refresh; give one and the other defaults to the open end. ``mode`` (full /
    incremental) is recorded in the manifest: only a full run's absences mean a record left the
    query's answer. Safe to call again on the same run: earlier pages are dropped first, so a run
    never mixes two snapshots.

    ``resume_from`` is a cut-off run (no manifest) this one may continue: when its plan equals this
    run's and its first search is recent (``RESUME_WITHIN``), its searches and whole batches are taken
    over (hard links keeping their fetch times) and only the missing batches are fetched. The
    manifest then names it in ``resumed_from``, and ``data_timestamp`` is the time of the taken-over
    search (what the run's answer reflects). If the records fetched then fall short of what a
    taken-over search counted, everything is searched and fetched again without it.

    ``drift_ids`` (incremental runs only) are PMIDs re-read by PMID after the main query, those it
    already fetched skipped (see ``_fetch_drift``); the manifest's ``drift`` section says what came back.
    They are not part of the plan, and a resumed run never takes a cut-off run's drift bodies over: the
    drift slice is always read afresh.
    """
    if not query or not query.strip():
        raise FetchError("PubMed query is empty")
    if drift_ids and mode == "full":
        # A full pull reads everything anyway; a re-read PMID the query no longer returns would survive it.
        raise FetchError("PubMed: a full pull takes no drift ids")
    low = parse_edat(mindate, "mindate") if mindate else None
    high = parse_edat(maxdate, "maxdate") if maxdate else None
    if low is not None and high is not None and low > high:
        raise FetchError(f"PubMed mindate {mindate} is after maxdate {maxdate}")

    if raw_run.complete:
        # reset_pages() keeps manifest.json, which would then describe deleted pages.
        raise RawZoneError(f"raw run {raw_run.run_id} is already complete; a new fetch needs a new run id")
    started_at = utc_now_iso()
    plan = run_plan(client, query, mindate, maxdate, mode)
    donor, open_end = _donor_for(raw_run, resume_from, plan)
    if (low is None) != (high is None):
        low, high = low or EARLIEST_EDAT, high or open_end
    raw_run.reset_pages()
    raw_run.write_started(started_at, plan, open_end=open_end.isoformat())
    try:
        try:
            run = _RunFetch(client, raw_run, query, on_progress, open_end, donor)
            total = run.fetch_all(low, high)
        except _StaleResume as exc:
            # Taking the same responses over again would fail the same way on every run for hours.
            logger.warning(
                "PubMed run %s: the responses taken over from run %s no longer add up (%s); searching again",
                raw_run.run_id,
                donor.run.run_id if donor else None,
                exc,
            )
            raw_run.reset_pages()
            run = _RunFetch(client, raw_run, query, on_progress, open_end, None)
            total = run.fetch_all(low, high)
    finally:
        if donor is not None and donor.n_taken:
            donor.run.mark_taken_over(raw_run.run_id, donor.n_taken)
    drift = _fetch_drift(client, raw_run, drift_ids, run.first_file_of)
    resumed: dict[str, Any] = {}
    if run.donor is not None and run.donor.n_taken:
        resumed = {"resumed_from": {"run_id": run.donor.run.run_id, "n_responses_kept": run.donor.n_taken}}
        logger.info(
            "PubMed run %s: resumed cut-off run %s, %d stored responses taken over",
            raw_run.run_id,
            run.donor.run.run_id,
            run.donor.n_taken,
        )

    windows_total = sum(w["count"] for w in run.windows)
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
            # E-utilities has no snapshot stamp: the data is PubMed as of the (first) search.
            "data_timestamp": run.first_search_at if resumed else started_at,
            "total_count": windows_total,
            "n_records": run.n_records,
            "n_unique_records": len(run.first_file_of),
            "windows": run.windows,
            "deleted_pmids": sorted(set(run.deleted_pmids)),
            "duplicate_pmids": {k: run.duplicates[k] for k in sorted(run.duplicates)},
            "drift": drift,
            **({"webenv_lost": list(run.webenv_lost.values())} if run.webenv_lost else {}),
            **resumed,
        }
    )
