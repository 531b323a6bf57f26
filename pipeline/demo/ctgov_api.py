"""A ClinicalTrials.gov API v2 stand-in that pages real study records like the live API.

The demo's registry, and the core the tests' recorded server extends with faults and a request log.
Given study dicts (real records, see ``load_studies``) it answers ``/api/v2/studies`` and
``/api/v2/version`` with the live API's paging rules, as far as they are documented or reported (see
STACK-NOTES.md, "APIs"):

- ``pageSize`` from the request (default 10, values above 1000 cut to 1000), opaque ``pageToken``s;
- ``totalCount`` on the first page only, and only with ``countTotal=true``;
- ``nextPageToken`` absent on the last page; optionally an empty page in the middle
  (``empty_page_at``) or a token minted on a full last page that leads to an empty page
  (``token_on_full_last_page``);
- a later page whose parameters differ from its first page's is answered 400, as is an unknown token;
- ``filter.advanced=AREA[LastUpdatePostDate]RANGE[YYYY-MM-DD,MAX]`` (or ``MIN``/a date at either
  end) filters on ``statusModule.lastUpdatePostDateStruct.date``; other expressions are answered 400;
- ``filter.ids`` (NCT ids separated by commas or pipes) keeps only those studies, combined with the
  other filters (AND), as the live API does;
- ``query.cond`` is not applied unless ``match_condition=True`` (then a plain substring match over
  conditions, keywords and titles, far cruder than the live API's search): the study list *is* the
  recorded result of the query.

What is not real: the page tokens, the 400 texts and the ``/version`` values (``data_timestamp`` and
``api_version`` are constructor arguments).
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from werkzeug import Request, Response
from werkzeug.datastructures import MultiDict

from pipeline.demo.http_server import answer

API_PREFIX = "/api/v2"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
DEFAULT_DATA_TIMESTAMP = "2026-08-11T09:00:00"
DEFAULT_API_VERSION = "2.0.5"
LAST_UPDATE_RANGE = re.compile(
    r"^AREA\[LastUpdatePostDate\]RANGE\[\s*(MIN|\d{4}-\d{2}-\d{2})\s*,\s*(MAX|\d{4}-\d{2}-\d{2})\s*\]$"
)


class BadRequest(Exception):
    """What the live API answers 400 to; the message is the response text."""


@dataclass(frozen=True)
class _Cursor:
    """What an opaque page token stands for."""

    signature: tuple[tuple[str, str], ...]
    offset: int
    page_no: int
    empty: bool


def load_studies(folders: Iterable[Path]) -> list[dict[str, Any]]:
    """Single-study v2 records from ``<folder>/NCT*.json``, one per NCT id (first folder wins), sorted."""
    by_id: dict[str, dict[str, Any]] = {}
    for folder in folders:
        files = sorted(folder.glob("NCT*.json"))
        if not files:
            raise FileNotFoundError(f"no NCT*.json study records in {folder}")
        for path in files:
            study = orjson.loads(path.read_bytes())
            found = nct_id(study)
            if found is None:
                raise ValueError(f"{path} is not a v2 study record (no nctId)")
            by_id.setdefault(found, study)
    return [by_id[k] for k in sorted(by_id)]


def nct_id(study: Any) -> str | None:
    try:
        return study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None


def _last_update(study: dict[str, Any]) -> str | None:
    status = study.get("protocolSection", {}).get("statusModule", {})
    return status.get("lastUpdatePostDateStruct", {}).get("date")


def _matches_condition(study: dict[str, Any], cond: str) -> bool:
    proto = study.get("protocolSection", {})
    ident = proto.get("identificationModule", {})
    conds = proto.get("conditionsModule", {})
    haystack = [
        ident.get("briefTitle", ""),
        ident.get("officialTitle", ""),
        *conds.get("conditions", []),
        *conds.get("keywords", []),
    ]
    needle = cond.lower()
    return any(needle in str(text).lower() for text in haystack)


class CtgovApi:
    """``/studies`` and ``/version`` over real study records; a WSGI app (see ``http_server``)."""

    def __init__(
        self,
        studies: Iterable[dict[str, Any]],
        *,
        data_timestamp: str = DEFAULT_DATA_TIMESTAMP,
        api_version: str = DEFAULT_API_VERSION,
        empty_page_at: int | None = None,
        token_on_full_last_page: bool = False,
        match_condition: bool = False,
    ) -> None:
        self.studies = list(studies)
        self.data_timestamp = data_timestamp
        self.api_version = api_version
        self.empty_page_at = empty_page_at
        self.token_on_full_last_page = token_on_full_last_page
        self.match_condition = match_condition
        self._cursors: dict[str, _Cursor] = {}
        self._lock = threading.Lock()

    # -- state ----------------------------------------------------------------------------------------

    def expire_page_tokens(self) -> None:
        """Forget every token handed out, as the live API does after a while: the next request with
        one is answered 400, like a resumed run's saved token the API no longer knows."""
        with self._lock:
            self._cursors.clear()

    def reset(self, studies: Iterable[dict[str, Any]], data_timestamp: str = DEFAULT_DATA_TIMESTAMP) -> None:
        """Serve ``studies`` afresh with no tokens handed out."""
        with self._lock:
            self.studies = list(studies)
            self.data_timestamp = data_timestamp
            self._cursors.clear()

    # -- HTTP -----------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        routes = {
            f"{API_PREFIX}/studies": self.studies_endpoint,
            f"{API_PREFIX}/version": self.version_endpoint,
        }
        return answer(environ, start_response, routes, methods=("GET",))

    def studies_endpoint(self, request: Request) -> Response:
        try:
            body, _ = self.page(request.args)
        except BadRequest as exc:
            return Response(str(exc), status=400, mimetype="text/plain")
        return Response(body, status=200, mimetype="application/json")

    def version_endpoint(self, request: Request) -> Response:
        return Response(self.version_body(), status=200, mimetype="application/json")

    def version_body(self) -> bytes:
        return orjson.dumps({"apiVersion": self.api_version, "dataTimestamp": self.data_timestamp})

    # -- paging ---------------------------------------------------------------------------------------

    def page(self, args: MultiDict[str, str]) -> tuple[bytes, int]:
        """One page's JSON body and its number of studies; raises BadRequest for what the API rejects."""
        with self._lock:
            return self._page(args)

    def _page(self, args: MultiDict[str, str]) -> tuple[bytes, int]:
        signature = tuple(sorted((k, v) for k, v in args.items(multi=True) if k != "pageToken"))
        token = args.get("pageToken")
        if token is None:
            cursor = _Cursor(signature=signature, offset=0, page_no=1, empty=False)
        else:
            found = self._cursors.get(token)
            if found is None:
                raise BadRequest(f"invalid pageToken: {token}")
            if found.signature != signature:
                raise BadRequest("the parameters of a next-page request must match the first page's request")
            cursor = found
        if args.get("format", "json") != "json":
            raise BadRequest("this recorded server serves format=json only")
        size = self._page_size(args.get("pageSize"))
        matching = self._matching(args)
        page: dict[str, Any] = {}
        chunk = [] if cursor.empty else matching[cursor.offset : cursor.offset + size]
        page["studies"] = chunk
        if cursor.page_no == 1 and args.get("countTotal", "false").lower() == "true":
            page["totalCount"] = len(matching)
        next_offset = cursor.offset + len(chunk)
        has_more = next_offset < len(matching) or (
            self.token_on_full_last_page and not cursor.empty and len(chunk) == size
        )
        if has_more:
            next_page_no = cursor.page_no + 1
            empty = self.empty_page_at == next_page_no or next_offset >= len(matching)
            page["nextPageToken"] = self._mint(_Cursor(signature, next_offset, next_page_no, empty))
        return orjson.dumps(page), len(chunk)

    def _page_size(self, raw: str | None) -> int:
        if raw is None:
            return DEFAULT_PAGE_SIZE
        try:
            size = int(raw)
        except ValueError:
            raise BadRequest(f"pageSize must be an integer, got {raw!r}") from None
        if size < 1:
            raise BadRequest(f"pageSize must be positive, got {size}")
        return min(size, MAX_PAGE_SIZE)

    def _matching(self, args: MultiDict[str, str]) -> list[dict[str, Any]]:
        studies = self.studies
        cond = args.get("query.cond")
        if self.match_condition and cond:
            studies = [s for s in studies if _matches_condition(s, cond)]
        ids = args.get("filter.ids")
        if ids is not None:
            wanted = {i.strip().upper() for i in re.split(r"[,|]", ids) if i.strip()}
            if studies is self.studies:  # by index, like the registry: a scan of 50k would bill the client
                index = self._position_index()
                studies = [self.studies[p] for p in sorted(index[i] for i in wanted if i in index)]
            else:
                studies = [s for s in studies if nct_id(s) in wanted]
        advanced = args.get("filter.advanced")
        if advanced:
            m = LAST_UPDATE_RANGE.match(advanced.strip())
            if m is None:
                raise BadRequest(f"this recorded server does not support filter.advanced={advanced}")
            low, high = m.group(1), m.group(2)
            studies = [
                s
                for s in studies
                if (d := _last_update(s)) is not None
                and (low == "MIN" or d >= low)
                and (high == "MAX" or d <= high)
            ]
        return studies

    def _position_index(self) -> dict[str | None, int]:
        """nct_id -> position in ``studies``; rebuilt when the list is replaced or grows or shrinks
        (tests swap in edited copies)."""
        indexed = getattr(self, "_indexed", None)
        if indexed is not self.studies or len(self._index) != len(self.studies):
            self._index = {nct_id(s): n for n, s in enumerate(self.studies)}
            self._indexed = self.studies  # held, so the identity test cannot match a new list
        return self._index

    def _mint(self, cursor: _Cursor) -> str:
        token = base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")
        self._cursors[token] = cursor
        return token
