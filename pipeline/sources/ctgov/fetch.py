"""ClinicalTrials.gov API v2: page through one condition's studies into the raw zone.

The client only fetches and checks: every page body is kept byte for byte, and a run is marked
complete only when the number of studies received equals the ``totalCount`` the API announced.
Parsing into tables happens later, from the raw zone.

A run cut off mid-fetch is resumed by the next run with the same plan while the registry still
serves the same snapshot (same ``dataTimestamp``): its whole pages are taken over and paging goes on
from the last one's ``nextPageToken``. Anything that shows the old pages no longer fit (the token
refused, a study coming twice, counts not adding up) restarts the query from page one.
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
from pipeline.errors import FetchError, RawZoneError
from pipeline.http.client import HttpClient, HttpResult, RequestRejected
from pipeline.http.retry import InvalidBody
from pipeline.raw.zone import PageRecord, RawRun, utc_now_iso

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

    def iter_pages(
        self, extra_params: Mapping[str, Any] | None = None, *, start_token: str | None = None
    ) -> Iterator[CtgovPage]:
        """Follow nextPageToken to the end; an empty page in the middle is normal and followed.

        ``start_token`` continues an earlier paging (a resumed run) with the page it points at.
        """
        params = self.search_params(extra_params)
        url = f"{self.base_url}/studies"
        token = start_token
        seen_tokens: set[str] = {token} if token else set()
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

    def add(self, nct_ids: Sequence[str], total_count: int | None) -> None:
        self.n_pages += 1
        if self.n_pages == 1:
            self.total = total_count
        self.n_records += len(nct_ids)
        for nct_id in nct_ids:
            if nct_id in self.first_page_of:
                self.duplicates.setdefault(nct_id, [self.first_page_of[nct_id]]).append(self.n_pages)
            else:
                self.first_page_of[nct_id] = self.n_pages


class _StaleResume(Exception):
    """The pages taken over from a crashed run do not fit what the API now serves."""


@dataclass(frozen=True)
class _KeptPage:
    record: PageRecord
    parsed: ParsedPage


def _fetch_query(
    client: CtgovClient,
    raw_run: RawRun,
    extra_params: Mapping[str, Any] | None,
    prefix: str,
    on_page: Callable[[int, int | None], None] | None,
    kept: Sequence[ParsedPage] = (),
) -> _QueryTally:
    """Page through one query into the raw zone; raises unless its pages add up to its totalCount.

    ``kept`` are the pages already in the run (taken over from a crashed run): paging continues
    after the last of them, and ``_StaleResume`` says they turned out not to fit.
    """
    tally = _QueryTally()
    for parsed in kept:
        tally.add(parsed.nct_ids, parsed.total_count)
        if on_page is not None:
            on_page(tally.n_records, tally.total)
    token = kept[-1].next_page_token if kept else None
    if not kept or token is not None:
        try:
            for page in client.iter_pages(extra_params, start_token=token):
                tally.add(page.nct_ids, page.total_count)
                file_name = f"{prefix}-{tally.n_pages:06d}.json"
                raw_run.write_response(file_name, page, n_records=page.n_studies, kind="page")
                if on_page is not None:
                    on_page(tally.n_records, tally.total)
        except RequestRejected as exc:
            if kept:
                raise _StaleResume(f"the API refused to continue from the saved page token ({exc})") from None
            raise
    where = f"ClinicalTrials.gov run {raw_run.run_id}" + ("" if prefix == "page" else f" ({prefix} query)")
    if kept:
        across = sorted(k for k, pages in tally.duplicates.items() if pages[0] <= len(kept) < pages[-1])
        if across:
            raise _StaleResume(f"{len(across)} studies came again after the resume point, e.g. {across[0]}")
        if tally.n_records != tally.total:
            raise _StaleResume(f"{tally.n_records} studies against a totalCount of {tally.total}")
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


def run_plan(client: CtgovClient, request_params: Mapping[str, Any], mode: str) -> dict[str, Any]:
    """What a run asks for: a crashed run is resumed only by a run with an equal plan.

    The drift slice is not part of it: a resumed run re-reads today's slice after the paged query.
    """
    return orjson.loads(
        orjson.dumps({"base_url": client.base_url, "mode": mode, "request_params": dict(request_params)})
    )


def resumable_pages(
    donor: RawRun, plan: Mapping[str, Any], version: CtgovVersion
) -> tuple[list[_KeptPage], str]:
    """The whole leading pages of ``donor``'s paged query that the run with ``plan`` can take over.

    Returns them (possibly none) with a reason for the log. Pages are kept in order while each is
    stored whole (its sha256), parses as a studies page and was asked with the plan's parameters
    plus the previous page's token; the first that is not ends the list.
    """
    started = donor.started()
    if started is None:
        return [], "it recorded no plan"
    if started["plan"] != plan:
        return [], "its plan differs from this run's"
    versions = [r for r in donor.pages() if r.kind == "version"]
    try:
        old_version = parse_version(donor.read_body(versions[-1])) if versions else None
    except (RawZoneError, InvalidBody):
        old_version = None
    if old_version is None:
        return [], "its /version response is missing or unreadable"
    if old_version["dataTimestamp"] != version.data_timestamp:
        return [], (
            f"the registry's data changed since (dataTimestamp {old_version['dataTimestamp']} -> "
            f"{version.data_timestamp})"
        )
    params = plan["request_params"]
    stored = {r.file: r for r in donor.pages() if r.kind == "page"}
    kept: list[_KeptPage] = []
    token: str | None = None
    while True:
        name = f"page-{len(kept) + 1:06d}.json.gz"
        record = stored.get(name)
        if record is None:
            break
        checked = _check_page(donor, record, params if token is None else {**params, "pageToken": token})
        if isinstance(checked, str):
            logger.info("ClinicalTrials.gov run %s: %s %s: not taken over", donor.run_id, name, checked)
            break
        kept.append(_KeptPage(record, checked))
        token = checked.next_page_token
        if token is None:
            break
    if not kept:
        return [], "none of its pages is whole"
    return kept, f"{len(kept)} whole pages of its query"


def _check_page(donor: RawRun, record: PageRecord, expected_params: Mapping[str, Any]) -> ParsedPage | str:
    """The parsed page, or what is wrong with it."""
    if record.params != expected_params:
        return "was asked with other parameters"
    try:
        parsed = parse_studies_page(donor.read_body(record))
    except RawZoneError as exc:
        return f"is not stored whole ({exc})"
    except InvalidBody as exc:
        return f"is not a whole studies page ({exc})"
    if "pageToken" not in expected_params and parsed.total_count is None:
        return "has no totalCount"
    return parsed


def fetch_run(
    client: CtgovClient,
    raw_run: RawRun,
    *,
    extra_params: Mapping[str, Any] | None = None,
    on_page: Callable[[int, int | None], None] | None = None,
    mode: str = "full",
    drift_ids: Sequence[str] = (),
    drift_ids_per_request: int = DRIFT_IDS_PER_REQUEST,
    resume_from: RawRun | None = None,
) -> dict[str, Any]:
    """Fetch every page into ``raw_run`` and mark it complete only if the counts reconcile.

    ``drift_ids`` are re-read after the main query by ``filter.ids`` in chunks, each chunk a query of
    its own with its own totalCount check; ids the main query already returned are skipped so a run
    holds each study once. ``mode`` (full / incremental) is recorded in the manifest: only a full
    run's absences mean a study left the registry's answer. Safe to call again on the same run (a
    Prefect retry): earlier pages are dropped first, so a run never mixes two snapshots.

    ``resume_from`` is a crashed run (no manifest) this one may continue: when its plan equals this
    run's and the registry still serves the same snapshot, its whole pages of the main query are
    taken over (hard links keeping their own fetch times) and paging continues after them. Its drift
    pages are not: the drift slice is always re-read. The manifest then names it in
    ``resumed_from``; the pages and counts are those of an uninterrupted fetch.
    """
    started_at = utc_now_iso()
    request_params = client.search_params(extra_params)  # a bad extra param fails before any file is touched
    if drift_ids_per_request < 1:
        raise FetchError("ClinicalTrials.gov: drift_ids_per_request must be at least 1")
    plan = run_plan(client, request_params, mode)
    raw_run.reset_pages()
    raw_run.write_started(started_at, plan)
    version = client.fetch_version()
    raw_run.write_response("version.json", version, n_records=0, kind="version")
    kept = _take_over(raw_run, resume_from, plan, version)
    donor_id = resume_from.run_id if resume_from else None
    try:
        main = _fetch_query(client, raw_run, extra_params, "page", on_page, [k.parsed for k in kept])
    except _StaleResume as exc:
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
    resumed = {"resumed_from": {"run_id": donor_id, "n_pages_kept": len(kept)}} if kept else {}
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
            **resumed,
        }
    )


def _take_over(
    raw_run: RawRun, donor: RawRun | None, plan: Mapping[str, Any], version: CtgovVersion
) -> list[_KeptPage]:
    """Adopt the donor's whole pages into ``raw_run`` and mark the donor taken over (if any fit)."""
    if donor is None:
        return []
    kept, why = resumable_pages(donor, plan, version)
    if not kept:
        logger.info(
            "ClinicalTrials.gov run %s: not resuming cut-off run %s (%s)", raw_run.run_id, donor.run_id, why
        )
        return []
    for page in kept:
        raw_run.adopt_page(donor, page.record)
    donor.mark_taken_over(raw_run.run_id, len(kept))
    logger.info(
        "ClinicalTrials.gov run %s: resuming cut-off run %s: %s taken over%s",
        raw_run.run_id,
        donor.run_id,
        why,
        "" if kept[-1].parsed.next_page_token else " (its paged query was complete)",
    )
    return kept
