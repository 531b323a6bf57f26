"""A ClinicalTrials.gov API v2 stand-in that pages real study records like the live API.

Built on pytest-httpserver. Given a list of study dicts (real records, see ``load_fixture_studies``)
it serves ``/api/v2/studies`` and ``/api/v2/version`` with the live API's paging rules, as far as they
are documented or reported (see STACK-NOTES.md, "APIs"):

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
- ``query.cond`` is recorded but not applied unless ``match_condition=True`` (then a plain substring
  match over conditions, keywords and titles, far cruder than the live API's search): the study list
  *is* the recorded result of the query.

What is not real: the page tokens, the 400 texts and the ``/version`` values (``data_timestamp`` and
``api_version`` are constructor arguments).

Faults for the next requests are injected with ``server.inject(Fault("429", retry_after=1), ...)``:
``"429"`` or any 5xx code (optional ``retry_after`` in seconds or an HTTP-date), ``"truncated"`` (the
connection closes before the announced Content-Length arrives), ``"malformed"`` (a 200 whose body is
the page cut in half), ``"not_a_page"`` (a 200 JSON object without ``studies``) and ``"slow"``
(``delay`` seconds before the normal answer). Every request served is recorded in ``server.requests``.

Standalone, for demos (serves the real fixture studies until Ctrl-C)::

    python -m tests.servers.ctgov_server --port 8765 [--fixtures DIR] [--empty-page-at N]

then point ``sources.ctgov.base_url`` at ``http://localhost:8765/api/v2``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import logging
import os
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

API_PREFIX = "/api/v2"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
DEFAULT_DATA_TIMESTAMP = "2026-08-11T09:00:00"
DEFAULT_API_VERSION = "2.0.5"
STATUS_FAULTS = re.compile(r"^(429|5\d\d)$")
FAULT_KINDS = ("truncated", "malformed", "not_a_page", "slow")
LAST_UPDATE_RANGE = re.compile(
    r"^AREA\[LastUpdatePostDate\]RANGE\[\s*(MIN|\d{4}-\d{2}-\d{2})\s*,\s*(MAX|\d{4}-\d{2}-\d{2})\s*\]$"
)
FIXTURES_ENV_VAR = "EVIDENCE_FIXTURES"


@dataclass(frozen=True)
class Fault:
    """One injected failure, applied to the next request of its endpoint."""

    kind: str
    retry_after: int | str | None = None
    delay: float = 0.0

    def __post_init__(self) -> None:
        if not STATUS_FAULTS.match(self.kind) and self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")


@dataclass(frozen=True)
class ServedRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    status: int
    fault: str | None
    n_studies: int | None
    body: bytes


@dataclass(frozen=True)
class _Cursor:
    """What an opaque page token stands for."""

    signature: tuple[tuple[str, str], ...]
    offset: int
    page_no: int
    empty: bool


class BadRequest(Exception):
    pass


def load_fixture_studies(
    fixtures_dir: Path, sets: Sequence[str] = ("migraine", "studies")
) -> list[dict[str, Any]]:
    """Real single-study records from ``<fixtures_dir>/ctgov/<set>/NCT*.json``, sorted by NCT id."""
    by_id: dict[str, dict[str, Any]] = {}
    for name in sets:
        folder = fixtures_dir / "ctgov" / name
        files = sorted(folder.glob("NCT*.json"))
        if not files:
            raise FileNotFoundError(f"no NCT*.json study records in {folder}")
        for path in files:
            study = orjson.loads(path.read_bytes())
            nct_id = _nct_id(study)
            if nct_id is None:
                raise ValueError(f"{path} is not a v2 study record (no nctId)")
            by_id.setdefault(nct_id, study)
    return [by_id[k] for k in sorted(by_id)]


def _nct_id(study: Any) -> str | None:
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


class CtgovRecordedServer:
    """Serves real study records with the v2 paging rules; use as a context manager."""

    def __init__(
        self,
        studies: Iterable[dict[str, Any]],
        *,
        data_timestamp: str = DEFAULT_DATA_TIMESTAMP,
        api_version: str = DEFAULT_API_VERSION,
        empty_page_at: int | None = None,
        token_on_full_last_page: bool = False,
        match_condition: bool = False,
        host: str = "localhost",
        port: int = 0,
    ) -> None:
        self.studies = list(studies)
        self.data_timestamp = data_timestamp
        self.api_version = api_version
        self.empty_page_at = empty_page_at
        self.token_on_full_last_page = token_on_full_last_page
        self.match_condition = match_condition
        self.requests: list[ServedRequest] = []
        self._faults: dict[str, deque[Fault]] = {"studies": deque(), "version": deque()}
        self._cursors: dict[str, _Cursor] = {}
        self._lock = threading.Lock()
        # threaded: a "slow" request must not hold up the client's retry behind it
        self.httpserver = HTTPServer(host=host, port=port, threaded=True)
        self.httpserver.expect_request(f"{API_PREFIX}/studies", method="GET").respond_with_handler(
            self._studies
        )
        self.httpserver.expect_request(f"{API_PREFIX}/version", method="GET").respond_with_handler(
            self._version
        )

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> CtgovRecordedServer:
        self.httpserver.start()
        return self

    def stop(self) -> None:
        if self.httpserver.is_running():
            self.httpserver.stop()

    def __enter__(self) -> CtgovRecordedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self.httpserver.url_for(API_PREFIX)

    # -- test controls --------------------------------------------------------------------------------

    def inject(self, *faults: Fault | str, endpoint: str = "studies") -> None:
        """Queue faults: each of the next requests to ``endpoint`` gets one, in order."""
        with self._lock:
            for fault in faults:
                self._faults[endpoint].append(Fault(fault) if isinstance(fault, str) else fault)

    def expire_page_tokens(self) -> None:
        """Forget every token handed out, as the live API does after a while: the next request with
        one is answered 400, like a resumed run's saved token the API no longer knows."""
        with self._lock:
            self._cursors.clear()

    def reset(self, studies: Iterable[dict[str, Any]], data_timestamp: str = DEFAULT_DATA_TIMESTAMP) -> None:
        """Serve ``studies`` afresh, with no faults, tokens or request log: lets one running server
        (stopping one costs 0.5 s) serve a whole test module."""
        with self._lock:
            self.studies = list(studies)
            self.data_timestamp = data_timestamp
            self.requests.clear()
            self._cursors.clear()
            for queue in self._faults.values():
                queue.clear()

    def studies_requests(self) -> list[ServedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/studies")]

    def pending_faults(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._faults.values())

    # -- handlers -------------------------------------------------------------------------------------

    def _version(self, request: Request) -> Response:
        fault = self._next_fault("version")
        body = orjson.dumps({"apiVersion": self.api_version, "dataTimestamp": self.data_timestamp})
        return self._respond(request, body, fault, n_studies=None)

    def _studies(self, request: Request) -> Response:
        fault = self._next_fault("studies")
        try:
            with self._lock:
                body, n_studies = self._page(request)
        except BadRequest as exc:
            return self._record(request, Response(str(exc), status=400, mimetype="text/plain"), None, None)
        return self._respond(request, body, fault, n_studies=n_studies)

    def _respond(self, request: Request, body: bytes, fault: Fault | None, n_studies: int | None) -> Response:
        if fault is None:
            response = Response(body, status=200, mimetype="application/json")
        elif STATUS_FAULTS.match(fault.kind):
            status = int(fault.kind)
            response = Response(f"injected HTTP {status}", status=status, mimetype="text/plain")
            if fault.retry_after is not None:
                response.headers["Retry-After"] = str(fault.retry_after)
        elif fault.kind == "truncated":
            response = Response(body[: len(body) // 2], status=200, mimetype="application/json")
            response.headers["Content-Length"] = str(len(body))
        elif fault.kind == "malformed":
            response = Response(body[: len(body) // 2], status=200, mimetype="application/json")
        elif fault.kind == "not_a_page":
            not_a_page = b'{"message": "injected: not a page"}'
            response = Response(not_a_page, status=200, mimetype="application/json")
        else:  # slow
            time.sleep(fault.delay)
            response = Response(body, status=200, mimetype="application/json")
        return self._record(request, response, fault, n_studies if response.status_code == 200 else None)

    def _record(
        self, request: Request, response: Response, fault: Fault | None, n_studies: int | None
    ) -> Response:
        with self._lock:
            self.requests.append(
                ServedRequest(
                    path=request.path,
                    params=request.args.to_dict(flat=True),
                    headers=dict(request.headers),
                    status=response.status_code,
                    fault=fault.kind if fault else None,
                    n_studies=n_studies,
                    body=response.get_data(),
                )
            )
        return response

    def _next_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            queue = self._faults[endpoint]
            return queue.popleft() if queue else None

    # -- paging ---------------------------------------------------------------------------------------

    def _page(self, request: Request) -> tuple[bytes, int]:
        args = request.args
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

    def _matching(self, args: Any) -> list[dict[str, Any]]:
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
                studies = [s for s in studies if _nct_id(s) in wanted]
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

    def _position_index(self) -> dict[str, int]:
        """nct_id -> position in ``studies``; rebuilt when the list is replaced or grows or shrinks
        (tests swap in edited copies)."""
        indexed = getattr(self, "_indexed", None)
        if indexed is not self.studies or len(self._index) != len(self.studies):
            self._index = {_nct_id(s): n for n, s in enumerate(self.studies)}
            self._indexed = self.studies  # held, so the identity test cannot match a new list
        return self._index

    def _mint(self, cursor: _Cursor) -> str:
        token = base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")
        self._cursors[token] = cursor
        return token


def _default_fixtures_dir() -> Path:
    env = os.environ.get(FIXTURES_ENV_VAR)
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve real ClinicalTrials.gov v2 study records locally.")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fixtures", type=Path, default=_default_fixtures_dir())
    parser.add_argument("--sets", nargs="+", default=["migraine", "studies"])
    parser.add_argument("--empty-page-at", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    studies = load_fixture_studies(args.fixtures, args.sets)
    with CtgovRecordedServer(
        studies, host=args.host, port=args.port, empty_page_at=args.empty_page_at
    ) as server:
        print(f"serving {len(studies)} real studies at {server.base_url} (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
