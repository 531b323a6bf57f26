"""The tests' ClinicalTrials.gov API v2 server: the package's stand-in (``pipeline.demo.ctgov_api``,
paging, filters, tokens) plus injected faults and a log of every request served.

Faults for the next requests are injected with ``server.inject(Fault("429", retry_after=1), ...)``:
``"429"`` or any 5xx code (optional ``retry_after`` in seconds or an HTTP-date), ``"truncated"`` (the
connection closes before the announced Content-Length arrives), ``"malformed"`` (a 200 whose body is
the page cut in half), ``"not_a_page"`` (a 200 JSON object without ``studies``) and ``"slow"``
(``delay`` seconds before the normal answer). Every request served is recorded in ``server.requests``.

Standalone (serves the shared fixture studies, or the packaged ones when that folder is absent, until
Ctrl-C; see ``tests/servers/corpus.py``)::

    python -m tests.servers.ctgov_server --port 8765 [--fixtures DIR] [--empty-page-at N]

then point ``sources.ctgov.base_url`` at ``http://localhost:8765/api/v2``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug import Request, Response

from pipeline.demo.ctgov_api import (
    API_PREFIX,
    DEFAULT_DATA_TIMESTAMP,
    BadRequest,
    CtgovApi,
    load_studies,
)
from pipeline.demo.http_server import LocalServer
from tests.servers.corpus import recorded_corpus, shared_fixtures_dir

STATUS_FAULTS = re.compile(r"^(429|5\d\d)$")
FAULT_KINDS = ("truncated", "malformed", "not_a_page", "slow")


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


def load_fixture_studies(
    fixtures_dir: Path, sets: Sequence[str] = ("migraine", "studies")
) -> list[dict[str, Any]]:
    """Real single-study records from ``<fixtures_dir>/ctgov/<set>/NCT*.json``, sorted by NCT id."""
    return load_studies(fixtures_dir / "ctgov" / name for name in sets)


def expected_page_sizes(n_studies: int, page_size: int, empty_page_at: int | None = None) -> list[int]:
    """How many studies each page of a whole search holds under the v2 paging rules: full pages, the
    rest on the last one, and the empty page the server was told to put at ``empty_page_at``."""
    sizes = [min(page_size, n_studies - start) for start in range(0, n_studies, page_size)] or [0]
    if empty_page_at is not None and 1 < empty_page_at <= len(sizes):
        sizes.insert(empty_page_at - 1, 0)
    return sizes


class CtgovRecordedServer(CtgovApi):
    """Serves real study records with the v2 paging rules; use as a context manager."""

    def __init__(
        self, studies: Iterable[dict[str, Any]], *, host: str = "localhost", port: int = 0, **api: Any
    ) -> None:
        """``api``: the stand-in's own options (``data_timestamp``, ``empty_page_at``, ...; see CtgovApi)."""
        super().__init__(studies, **api)
        self.requests: list[ServedRequest] = []
        self._faults: dict[str, deque[Fault]] = {"studies": deque(), "version": deque()}
        # threaded: a "slow" request must not hold up the client's retry behind it
        self.httpserver = LocalServer(self, host=host, port=port)

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> CtgovRecordedServer:
        self.httpserver.start()
        return self

    def stop(self) -> None:
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

    def reset(self, studies: Iterable[dict[str, Any]], data_timestamp: str = DEFAULT_DATA_TIMESTAMP) -> None:
        """Serve ``studies`` afresh, with no faults, tokens or request log: lets one running server
        (starting and stopping one per test adds up) serve a whole test module."""
        super().reset(studies, data_timestamp)
        with self._lock:
            self.requests.clear()
            for queue in self._faults.values():
                queue.clear()

    def studies_requests(self) -> list[ServedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/studies")]

    def pending_faults(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._faults.values())

    # -- handlers: the package's answers, with faults and a request log -------------------------------

    def version_endpoint(self, request: Request) -> Response:
        fault = self._next_fault("version")
        return self._respond(request, self.version_body(), fault, n_studies=None)

    def studies_endpoint(self, request: Request) -> Response:
        fault = self._next_fault("studies")
        try:
            body, n_studies = self.page(request.args)
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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve real ClinicalTrials.gov v2 study records locally.")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fixtures", type=Path, default=shared_fixtures_dir())
    parser.add_argument("--empty-page-at", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    corpus = recorded_corpus(args.fixtures)
    studies = corpus.studies()
    with CtgovRecordedServer(
        studies, host=args.host, port=args.port, empty_page_at=args.empty_page_at
    ) as server:
        print(
            f"serving {len(studies)} {corpus.name} studies at {server.base_url} (Ctrl-C to stop)", flush=True
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
