"""The tests' NCBI E-utilities server: the package's stand-in (``pipeline.demo.pubmed_api``: ESearch
with history and entry-date windows, EFetch, the 9,999-id ceiling) plus injected faults (HTTP 429/503,
NCBI's recorded rate-limit body, errors inside HTTP 200, cut-off bodies) and a log of every request.

Standalone: ``python -m tests.servers.pubmed_server --port 8766 [--fixtures DIR]`` serves the shared
fixtures, or the packaged records when that folder is absent (see ``tests/servers/corpus.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from werkzeug import Request, Response

from pipeline.config import HttpSettings, PubmedSettings
from pipeline.demo.http_server import LocalServer
from pipeline.demo.pubmed_api import (
    EUTILS_PATH,
    NCBI_MAX_IDS,
    ErrorReply,
    PubmedApi,
    efetch_error,
    esearch_error,
    is_json,
    request_params,
    result_response,
)
from pipeline.demo.pubmed_records import RecordedArticle as FixtureArticle
from pipeline.raw.zone import RawRun
from pipeline.sources.pubmed.client import PubmedClient
from tests.servers.corpus import RecordedCorpus, recorded_corpus, shared_fixtures_dir
from tests.servers.fake_clock import FakeClock

# -- faults and request log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One misbehaviour served instead of (or on top of) the next matching response.

    kinds: ``http_429`` (plain text, ``Retry-After`` header if given), ``http_503``, ``rate_limit_json``
    (NCBI's recorded JSON body, with ``status``, 429 or 200), ``error_in_200`` (``<ERROR>`` inside the
    eSearchResult / eFetchResult, or ``{"esearchresult": {"ERROR": ...}}`` for JSON), ``truncated``
    (the real body cut short).
    """

    kind: str
    endpoint: str | None = None  # "esearch", "efetch" or None for whichever comes next
    retry_after: str | None = None
    status: int = 429
    message: str = "Search Backend failed: Database is not supported: pubmed"

    def __post_init__(self) -> None:
        kinds = {"http_429", "http_503", "rate_limit_json", "error_in_200", "truncated"}
        if self.kind not in kinds:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {sorted(kinds)}")


@dataclass(frozen=True)
class RecordedRequest:
    endpoint: str  # "esearch" / "efetch" / the path for anything else
    path: str
    method: str
    params: dict[str, str]  # query string and form body merged: NCBI accepts GET and POST alike
    headers: dict[str, str]
    query_string: str = ""  # what the URL itself carried (a POST should carry nothing)


# -- the server ---------------------------------------------------------------------------------------


class PubmedRecordedServer(PubmedApi):
    """E-utilities ``esearch.fcgi`` and ``efetch.fcgi`` over the given recorded articles, with faults.

    Any ``term`` matches every loaded article unless ``term_pmids`` maps that exact term to a PMID list.
    Results are ordered newest entrez date first, like PubMed's default. ``missing_pmids`` are counted by
    ESearch but never returned by EFetch (what a record withdrawn between the two calls looks like).
    """

    def __init__(
        self,
        corpus: RecordedCorpus,
        *,
        articles: Sequence[FixtureArticle] | None = None,
        max_ids: int = NCBI_MAX_IDS,
        term_pmids: Mapping[str, Iterable[str]] | None = None,
        deleted_pmids: Iterable[str] = (),
        port: int = 0,
    ) -> None:
        loaded = list(articles) if articles is not None else corpus.articles()
        super().__init__(loaded, max_ids=max_ids, term_pmids=term_pmids, deleted_pmids=deleted_pmids)
        self.rate_limit_json = corpus.rate_limit_body()
        self.faults: deque[Fault] = deque()
        self._requests: list[RecordedRequest] = []
        # threaded: a slow response must not hold up the client's retry queued behind it
        self.httpserver = LocalServer(self, host="127.0.0.1", port=port)

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> PubmedRecordedServer:
        self.httpserver.start()
        return self

    def stop(self) -> None:
        self.httpserver.stop()

    def __enter__(self) -> PubmedRecordedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests use ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What ``PubmedSettings.base_url`` should be set to (no trailing slash)."""
        return self.httpserver.url_for(EUTILS_PATH)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.lock:
            return list(self._requests)

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.endpoint == endpoint]

    def inject(self, *faults: Fault) -> None:
        """Queue faults; each is served once, in order, to the next request it applies to."""
        with self.lock:
            self.faults.extend(faults)

    def pending_faults(self) -> int:
        with self.lock:
            return len(self.faults)

    def reset(self) -> None:
        """Back to the configuration it was built with; lets one running server serve many tests."""
        super().reset()
        with self.lock:
            self.faults.clear()
            self._requests.clear()

    # -- handlers: the package's answers, with faults and a request log ------------------------------

    def esearch_endpoint(self, request: Request) -> Response:
        params = self._record(request, "esearch")
        as_json = is_json(params)
        fault = self._next_fault("esearch")
        if fault is not None and fault.kind != "truncated":
            return self._serve_fault(fault, "esearch", as_json)
        try:
            body = self.esearch(params)
        except ErrorReply as error:
            return error.response
        if fault is not None:  # truncated
            return result_response(body[: len(body) // 2], as_json)
        return result_response(body, as_json)

    def efetch_endpoint(self, request: Request) -> Response:
        params = self._record(request, "efetch")
        fault = self._next_fault("efetch")
        if fault is not None and fault.kind != "truncated":
            return self._serve_fault(fault, "efetch", as_json=False)
        try:
            body = self.efetch(params)
        except ErrorReply as error:
            return error.response
        if fault is not None:  # truncated: a connection that died mid-body, as a 200
            return result_response(body[: int(len(body) * 0.6)], as_json=False)
        return result_response(body, as_json=False)

    def _record(self, request: Request, endpoint: str) -> dict[str, str]:
        params = request_params(request)
        with self.lock:
            self._requests.append(
                RecordedRequest(
                    endpoint,
                    request.path,
                    request.method,
                    params,
                    dict(request.headers),
                    request.query_string.decode("latin-1"),
                )
            )
        return params

    def _next_fault(self, endpoint: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.endpoint in (None, endpoint):
                    self.faults.remove(fault)
                    return fault
        return None

    def _serve_fault(self, fault: Fault, endpoint: str, as_json: bool) -> Response:
        if fault.kind == "http_429":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return Response(b"Too Many Requests", status=429, headers=headers, content_type="text/plain")
        if fault.kind == "http_503":
            return Response(
                b"<html><body>503 Service Unavailable</body></html>", status=503, content_type="text/html"
            )
        if fault.kind == "rate_limit_json":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return Response(
                self.rate_limit_json, status=fault.status, headers=headers, content_type="application/json"
            )
        # error_in_200
        if endpoint == "esearch":
            return esearch_error(fault.message, as_json)
        return efetch_error(fault.message, status=200)


# -- standalone demo ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve recorded PubMed E-utilities responses.")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--fixtures", type=Path, default=shared_fixtures_dir())
    parser.add_argument("--max-ids", type=int, default=NCBI_MAX_IDS)
    args = parser.parse_args(argv)
    corpus = recorded_corpus(args.fixtures)
    with PubmedRecordedServer(corpus, max_ids=args.max_ids, port=args.port) as server:
        print(
            f"serving {len(server.articles)} {corpus.name} articles at {server.base_url} (Ctrl-C stops)",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


def pubmed_client(
    server: PubmedRecordedServer,
    clock: FakeClock | None = None,
    *,
    api_key: str | None = None,
    max_retrievable: int | None = None,
    **tuning: float,
) -> PubmedClient:
    """A real PubmedClient against ``server`` on a fake clock (waits cost nothing, but are recorded).

    ``tuning`` overrides ``batch_size`` (20), ``requests_per_second`` (3) and ``max_attempts`` (4);
    ``max_retrievable`` lowers NCBI's cap on the ids one search hands out.
    """
    clock = clock or FakeClock()
    http = {"requests_per_second": 3.0, "max_attempts": 4, **tuning}
    batch_size = int(http.pop("batch_size", 20))
    settings = PubmedSettings(
        base_url=server.base_url,
        email="curator@example.org",
        batch_size=batch_size,
        http=HttpSettings(
            **http, backoff_initial_seconds=0.01, backoff_max_seconds=60.0, timeout_seconds=5.0
        ),
    )
    client = PubmedClient(settings, "pipeline-tests/1.0", api_key, clock=clock)
    if max_retrievable is not None:
        client.max_retrievable = max_retrievable
    return client


def stored_pmids(run: RawRun, prefix: str = "") -> list[str]:
    """PMIDs of the articles in a raw run's stored EFetch bodies (whose file names start with
    ``prefix``), read independently of the client under test."""
    pmids = []
    for record, body in run.iter_bodies("efetch"):
        if record.file.startswith(prefix):
            root = etree.fromstring(body, parser=etree.XMLParser(load_dtd=False, no_network=True))
            pmids.extend(el.findtext("MedlineCitation/PMID") for el in root.iterfind("PubmedArticle"))
    return pmids


if __name__ == "__main__":
    main()
