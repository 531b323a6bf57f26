"""ClinicalTrials.gov API v2: page through one condition's studies into the raw zone.

The client only fetches and checks: every page body is kept byte for byte, and a run is marked
complete only when the number of studies received equals the ``totalCount`` the API announced.
Parsing into tables happens later, from the raw zone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import requests

from pipeline.config import CtgovSettings
from pipeline.errors import FetchError
from pipeline.http.client import HttpClient, HttpResult
from pipeline.http.retry import InvalidBody
from pipeline.storage.raw_zone import RawRun, utc_now_iso

logger = logging.getLogger(__name__)

SOURCE = "ctgov"
# Set by the client on every page; letting extra_params change them would break paging or counting.
RESERVED_PARAMS = frozenset({"query.cond", "pageSize", "countTotal", "format", "pageToken"})
# NCT ids per drift request. Each id costs 14 URL characters (11 + an encoded comma), so 300 ids keep the
# GET URL near 4.3 KB, well under the 8 KB many servers and proxies accept, while a 50,000-trial drift
# slice (1,667 ids) takes 6 requests instead of 17: at the live API's 1 request/s that is 11 s a night.
DRIFT_IDS_PER_REQUEST = 300


@dataclass(frozen=True)
class ParsedPage:
    """What the client needs from a page body; the body itself stays untouched."""

    nct_ids: tuple[str, ...]
    total_count: int | None
    next_page_token: str | None


@dataclass(frozen=True)
class CtgovPage:
    body: bytes
    url: str
    params: dict[str, Any]
    http_status: int
    fetched_at: str
    n_studies: int
    total_count: int | None
    next_page_token: str | None
    nct_ids: tuple[str, ...]


@dataclass(frozen=True)
class CtgovVersion:
    body: bytes
    url: str
    http_status: int
    fetched_at: str
    api_version: str
    data_timestamp: str
    params: dict[str, Any] = field(default_factory=dict)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_studies_page(body: bytes) -> ParsedPage:
    """Reject anything that is not a page (a cut body, an HTML error page) so it is fetched again."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidBody(f"not valid JSON ({exc.msg} at byte {exc.pos} of {len(body)})") from None
    if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
        raise InvalidBody("JSON is not a studies page (no 'studies' list)")
    total = data.get("totalCount")
    token = data.get("nextPageToken")
    if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
        raise InvalidBody(f"totalCount is not a count: {total!r}")
    if token is not None and (not isinstance(token, str) or not token):
        raise InvalidBody(f"nextPageToken is not a token: {token!r}")
    nct_ids = []
    for study in data["studies"]:
        nct_id = _nct_id(study)
        if nct_id is None:
            raise InvalidBody("a study has no protocolSection.identificationModule.nctId")
        nct_ids.append(nct_id)
    return ParsedPage(nct_ids=tuple(nct_ids), total_count=total, next_page_token=token)


def _nct_id(study: Any) -> str | None:
    try:
        nct_id = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None
    return nct_id if isinstance(nct_id, str) and nct_id else None


def parse_version(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidBody(f"not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in ("apiVersion", "dataTimestamp")
    ):
        raise InvalidBody("version response lacks apiVersion/dataTimestamp")
    return data


class CtgovClient:
    """Fetches pages of ``/studies`` for the configured condition; knows nothing about storage."""

    def __init__(
        self,
        settings: CtgovSettings,
        user_agent: str,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.base_url = str(settings.base_url).rstrip("/")
        self.http = HttpClient(settings.http, user_agent, session=session, sleep=sleep, clock=clock)

    def close(self) -> None:
        self.http.close()

    def fetch_version(self) -> CtgovVersion:
        result = self.http.get(f"{self.base_url}/version", validate=parse_version)
        return CtgovVersion(
            body=result.body,
            url=result.url,
            http_status=result.status,
            fetched_at=iso_utc(result.fetched_at),
            api_version=result.parsed["apiVersion"],
            data_timestamp=result.parsed["dataTimestamp"],
        )

    def version(self) -> dict[str, Any]:
        """apiVersion and dataTimestamp: which registry snapshot a run saw."""
        v = self.fetch_version()
        return {"apiVersion": v.api_version, "dataTimestamp": v.data_timestamp}

    def search_params(self, extra_params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The parameters of the first page; later pages repeat them (the API rejects a change)."""
        extra = dict(extra_params or {})
        clash = sorted(RESERVED_PARAMS & extra.keys())
        if clash:
            raise FetchError(f"ClinicalTrials.gov: extra params may not override {', '.join(clash)}")
        return {
            "query.cond": self.settings.condition,
            "pageSize": self.settings.page_size,
            "countTotal": "true",
            "format": "json",
            **extra,
        }

    def iter_pages(self, extra_params: Mapping[str, Any] | None = None) -> Iterator[CtgovPage]:
        """Follow nextPageToken to the end; an empty page in the middle is normal and followed."""
        params = self.search_params(extra_params)
        url = f"{self.base_url}/studies"
        seen_tokens: set[str] = set()
        token: str | None = None
        while True:
            page_params = params if token is None else {**params, "pageToken": token}
            result: HttpResult[ParsedPage] = self.http.get(url, page_params, validate=parse_studies_page)
            parsed = result.parsed
            yield CtgovPage(
                body=result.body,
                url=result.url,
                params=page_params,
                http_status=result.status,
                fetched_at=iso_utc(result.fetched_at),
                n_studies=len(parsed.nct_ids),
                total_count=parsed.total_count,
                next_page_token=parsed.next_page_token,
                nct_ids=parsed.nct_ids,
            )
            token = parsed.next_page_token
            if token is None:
                return
            if token in seen_tokens:
                raise FetchError(f"ClinicalTrials.gov paging loop: nextPageToken {token!r} came back twice")
            seen_tokens.add(token)


@dataclass
class _QueryTally:
    """Counts of one query of a run (the main pull, or one drift chunk), for its own reconciliation."""

    total: int | None = None
    n_records: int = 0
    n_pages: int = 0
    first_page_of: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, list[int]] = field(default_factory=dict)


def _fetch_query(
    client: CtgovClient,
    raw_run: RawRun,
    extra_params: Mapping[str, Any] | None,
    prefix: str,
    on_page: Callable[[int, int | None], None] | None,
) -> _QueryTally:
    """Page through one query into the raw zone; raises unless its pages add up to its totalCount."""
    tally = _QueryTally()
    for tally.n_pages, page in enumerate(client.iter_pages(extra_params), start=1):
        file_name = f"{prefix}-{tally.n_pages:06d}.json"
        raw_run.write_response(file_name, page, n_records=page.n_studies, kind="page")
        if tally.n_pages == 1:
            tally.total = page.total_count
        tally.n_records += page.n_studies
        for nct_id in page.nct_ids:
            if nct_id in tally.first_page_of:
                tally.duplicates.setdefault(nct_id, [tally.first_page_of[nct_id]]).append(tally.n_pages)
            else:
                tally.first_page_of[nct_id] = tally.n_pages
        if on_page is not None:
            on_page(tally.n_records, tally.total)
    where = f"ClinicalTrials.gov run {raw_run.run_id}" + ("" if prefix == "page" else f" ({prefix} query)")
    if tally.total is None:
        raise FetchError(f"{where}: the first page carried no totalCount, so the run cannot be reconciled")
    if tally.n_records != tally.total:
        raise FetchError(
            f"{where}: received {tally.n_records} studies in {tally.n_pages} pages but totalCount was "
            f"{tally.total}; run left incomplete"
        )
    if tally.duplicates:
        logger.warning(
            "%s: %d nct_ids came on more than one page (paging drift?): %s",
            where,
            len(tally.duplicates),
            ", ".join(sorted(tally.duplicates)[:10]),
        )
    return tally


def fetch_run(
    client: CtgovClient,
    raw_run: RawRun,
    *,
    extra_params: Mapping[str, Any] | None = None,
    on_page: Callable[[int, int | None], None] | None = None,
    mode: str = "full",
    drift_ids: Sequence[str] = (),
    drift_ids_per_request: int = DRIFT_IDS_PER_REQUEST,
) -> dict[str, Any]:
    """Fetch every page into ``raw_run`` and mark it complete only if the counts reconcile.

    ``drift_ids`` are re-read after the main query by ``filter.ids`` in chunks, each chunk a query of
    its own with its own totalCount check; ids the main query already returned are skipped so a run
    holds each study once. ``mode`` (full / incremental) is recorded in the manifest: only a full
    run's absences mean a study left the registry's answer. Safe to call again on the same run (a
    Prefect retry): earlier pages are dropped first, so a run never mixes two snapshots.
    """
    started_at = utc_now_iso()
    request_params = client.search_params(extra_params)  # a bad extra param fails before any file is touched
    if drift_ids_per_request < 1:
        raise FetchError("ClinicalTrials.gov: drift_ids_per_request must be at least 1")
    raw_run.reset_pages()
    version = client.fetch_version()
    raw_run.write_response("version.json", version, n_records=0, kind="version")
    main = _fetch_query(client, raw_run, extra_params, "page", on_page)
    pending = [i for i in dict.fromkeys(drift_ids) if i not in main.first_page_of]
    drift_queries = []
    for n, start in enumerate(range(0, len(pending), drift_ids_per_request), start=1):
        chunk = pending[start : start + drift_ids_per_request]
        params = {**(extra_params or {}), "filter.ids": ",".join(chunk)}
        params.pop("filter.advanced", None)
        tally = _fetch_query(client, raw_run, params, f"drift{n:03d}", None)
        drift_queries.append(
            {"n_ids_requested": len(chunk), "total_count": tally.total, "n_records": tally.n_records}
        )
    return raw_run.finish(
        {
            "started_at": started_at,
            "mode": mode,
            "request_params": request_params,
            "api_version": version.api_version,
            "data_timestamp": version.data_timestamp,
            "total_count": main.total,
            "n_records": main.n_records,
            "n_unique_records": len(main.first_page_of),
            "n_pages": main.n_pages,
            "duplicate_nct_ids": {k: main.duplicates[k] for k in sorted(main.duplicates)},
            "drift": {
                "n_ids_requested": len(pending),
                "n_records": sum(q["n_records"] for q in drift_queries),
                "queries": drift_queries,
            },
        }
    )
