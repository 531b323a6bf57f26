"""A recorded-response NCBI E-utilities server (ESearch + EFetch for db=pubmed) for tests and demos.

Real clients fail on the things NCBI really does: the 9,999-id retrieval ceiling per query, history
(WebEnv/query_key) paging, errors sent inside HTTP 200, rate-limit bodies, cut-off XML. This server
reproduces those over real HTTP, serving only real recorded ``<PubmedArticle>`` elements, byte for
byte, so a client tested here is exercised end to end (URL building, parsing, retries, raw zone).

Standalone demo: ``python -m tests.servers.pubmed_server --port 8766 [--fixtures DIR]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import orjson
import pytest
from lxml import etree
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.config import HttpSettings, PubmedSettings
from pipeline.raw.zone import RawRun
from pipeline.sources.pubmed.client import PubmedClient
from tests.servers.fake_clock import FakeClock

# Measured at NCBI: "'retstart' cannot be larger than 9998. For PubMed, ESearch can only retrieve the
# first 9,999 records matching the query." (the documented figure is 10,000).
NCBI_MAX_IDS = 9_999
DEFAULT_SETS = ("migraine", "efetch")
FALLBACK_ENTREZ_DATE = date(2000, 1, 1)
EUTILS_PATH = "/entrez/eutils"
RATE_LIMIT_FIXTURE_GLOB = "pubmed/esearch-json/biomcp_25d28*.json"

ARTICLE_PATTERN = re.compile(
    rb"<(PubmedArticle|PubmedBookArticle)(?:\s[^>]*)?>.*?</\1>",
    re.DOTALL,
)
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}

ESEARCH_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b'<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
EFETCH_HEAD = (
    b'<?xml version="1.0" ?>\n'
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
EFETCH_ERROR_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b'<!DOCTYPE eEfetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n'
)
RETSTART_CEILING_MESSAGE = (
    "Search Backend failed: Exception: 'retstart' cannot be larger than {last}. For PubMed, ESearch can "
    "only retrieve the first {cap:,} records matching the query."
)


# -- recorded articles --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FixtureArticle:
    """One recorded ``<PubmedArticle>`` element, its bytes untouched, plus what a search filters on."""

    pmid: str
    entrez_date: date
    xml: bytes
    source_file: str


def load_fixture_articles(
    fixtures_dir: Path,
    sets: Sequence[str] = DEFAULT_SETS,
    *,
    default_date: date = FALLBACK_ENTREZ_DATE,
) -> list[FixtureArticle]:
    """Every article element of ``pubmed/<set>/*.xml``, in file order, one entry per PMID."""
    articles: dict[str, FixtureArticle] = {}
    for set_name in sets:
        folder = fixtures_dir / "pubmed" / set_name
        files = sorted(folder.glob("*.xml"))
        if not files:
            raise FileNotFoundError(f"no recorded PubMed XML under {folder}")
        for path in files:
            for xml in split_articles(path.read_bytes()):
                element = etree.fromstring(xml)
                pmid = (
                    element.findtext("MedlineCitation/PMID") or element.findtext("BookDocument/PMID") or ""
                ).strip()
                if not pmid:
                    raise ValueError(f"{path}: an article without a PMID")
                articles.setdefault(
                    pmid, FixtureArticle(pmid, entrez_date_of(element, default_date), xml, path.name)
                )
    return list(articles.values())


def split_articles(document: bytes) -> list[bytes]:
    """Article elements cut out of the document by byte range, so their bytes stay as recorded."""
    return [match.group(0) for match in ARTICLE_PATTERN.finditer(document)]


def entrez_date_of(article: etree._Element, default: date) -> date:
    """The date PubMed filters ``edat`` on; records transcribed without History fall back to PubDate."""
    for node in article.iterfind(".//PubmedData/History/PubMedPubDate[@PubStatus='entrez']"):
        found = _ymd(node)
        if found:
            return found
    for node in article.iterfind(".//Article/Journal/JournalIssue/PubDate"):
        found = _ymd(node)
        if found:
            return found
    return default


def _ymd(node: etree._Element) -> date | None:
    year = (node.findtext("Year") or "").strip()
    if not year.isdigit():
        return None
    month_text = (node.findtext("Month") or "1").strip()
    month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text[:3].lower(), 1)
    day_text = (node.findtext("Day") or "1").strip()
    day = int(day_text) if day_text.isdigit() else 1
    try:
        return date(int(year), month, day)
    except ValueError:
        return date(int(year), month, 1)


def rate_limit_body(fixtures_dir: Path) -> bytes:
    """NCBI's real "API rate limit exceeded" JSON body, as recorded."""
    matches = sorted(fixtures_dir.glob(RATE_LIMIT_FIXTURE_GLOB))
    if not matches:
        raise FileNotFoundError(
            f"recorded rate-limit body not found: {fixtures_dir / RATE_LIMIT_FIXTURE_GLOB}"
        )
    return matches[0].read_bytes()


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


@dataclass
class _History:
    pmids: list[str]


@dataclass
class PubmedServerState:
    """Everything the handlers read and tests tune; guarded by one lock (the server may be threaded)."""

    articles: list[FixtureArticle]
    rate_limit_json: bytes
    max_ids: int = NCBI_MAX_IDS
    term_pmids: dict[str, list[str]] = field(default_factory=dict)
    deleted_pmids: list[str] = field(default_factory=list)
    missing_pmids: set[str] = field(default_factory=set)
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    histories: dict[str, _History] = field(default_factory=dict)
    expired_webenvs: dict[str, int] = field(default_factory=dict)  # WebEnv -> HTTP status of its error
    lock: threading.Lock = field(default_factory=threading.Lock)


# -- the server ---------------------------------------------------------------------------------------


class PubmedRecordedServer:
    """E-utilities ``esearch.fcgi`` and ``efetch.fcgi`` over the given recorded articles.

    Any ``term`` matches every loaded article unless ``term_pmids`` maps that exact term to a PMID list.
    Results are ordered newest entrez date first, like PubMed's default. ``missing_pmids`` are counted by
    ESearch but never returned by EFetch (what a record withdrawn between the two calls looks like).
    """

    def __init__(
        self,
        fixtures_dir: Path,
        *,
        articles: Sequence[FixtureArticle] | None = None,
        sets: Sequence[str] = DEFAULT_SETS,
        max_ids: int = NCBI_MAX_IDS,
        term_pmids: Mapping[str, Iterable[str]] | None = None,
        deleted_pmids: Iterable[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        loaded = list(articles) if articles is not None else load_fixture_articles(fixtures_dir, sets)
        loaded.sort(key=lambda a: (a.entrez_date, int(a.pmid)), reverse=True)
        self.state = PubmedServerState(
            articles=loaded,
            rate_limit_json=rate_limit_body(fixtures_dir),
            max_ids=max_ids,
            term_pmids={k: list(v) for k, v in (term_pmids or {}).items()},
            deleted_pmids=list(deleted_pmids),
        )
        self._by_pmid = {a.pmid: a for a in loaded}
        self._initial_max_ids = max_ids
        self._initial_term_pmids = dict(self.state.term_pmids)
        # threaded: a slow response must not hold up the client's retry queued behind it
        self.httpserver = HTTPServer(host=host, port=port, threaded=True)
        self.httpserver.expect_request(f"{EUTILS_PATH}/esearch.fcgi").respond_with_handler(self._esearch)
        self.httpserver.expect_request(f"{EUTILS_PATH}/efetch.fcgi").respond_with_handler(self._efetch)

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> PubmedRecordedServer:
        self.httpserver.start()
        return self

    def stop(self) -> None:
        if self.httpserver.is_running():
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
    def articles(self) -> list[FixtureArticle]:
        return list(self.state.articles)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.endpoint == endpoint]

    def inject(self, *faults: Fault) -> None:
        """Queue faults; each is served once, in order, to the next request it applies to."""
        with self.state.lock:
            self.state.faults.extend(faults)

    def pending_faults(self) -> int:
        with self.state.lock:
            return len(self.state.faults)

    def reset(self) -> None:
        """Back to the configuration it was built with; lets one running server serve many tests."""
        with self.state.lock:
            self.state.faults.clear()
            self.state.requests.clear()
            self.state.histories.clear()
            self.state.expired_webenvs.clear()
            self.state.missing_pmids = set()
            self.state.max_ids = self._initial_max_ids
            self.state.term_pmids = dict(self._initial_term_pmids)

    def set_max_ids(self, max_ids: int) -> None:
        with self.state.lock:
            self.state.max_ids = max_ids

    def set_missing(self, pmids: Iterable[str]) -> None:
        with self.state.lock:
            self.state.missing_pmids = set(pmids)

    def expire_webenv(self, webenv: str | None = None, *, status: int = 200) -> list[str]:
        """Let history sessions expire, as NCBI's do after some hours: ``webenv``, or every one so far.

        EFetch through an expired WebEnv then answers with NCBI's "Cannot retrieve history data" error
        body, inside HTTP ``status`` (200, as NCBI sends most errors, or e.g. 400). Returns the WebEnvs.
        """
        with self.state.lock:
            chosen = [webenv] if webenv is not None else list(self.state.histories)
            for name in chosen:
                self.state.expired_webenvs[name] = status
        return chosen

    def set_term_pmids(self, term: str, pmids: Iterable[str]) -> None:
        """What ``term`` finds from now on (e.g. all but a withdrawn record)."""
        with self.state.lock:
            self.state.term_pmids[term] = list(pmids)

    # -- handlers ------------------------------------------------------------------------------------

    def _record(self, request: Request, endpoint: str) -> dict[str, str]:
        params = {**request.args.to_dict(flat=True), **request.form.to_dict(flat=True)}
        with self.state.lock:
            self.state.requests.append(
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
        with self.state.lock:
            for fault in self.state.faults:
                if fault.endpoint in (None, endpoint):
                    self.state.faults.remove(fault)
                    return fault
        return None

    def _esearch(self, request: Request) -> Response:
        params = self._record(request, "esearch")
        as_json = params.get("retmode", "xml").lower() == "json"
        fault = self._next_fault("esearch")
        if fault is not None and fault.kind != "truncated":
            return self._serve_fault(fault, "esearch", as_json)
        if params.get("db", "pubmed") != "pubmed":
            return self._esearch_error(f"Database is not supported: {params.get('db')}", as_json)
        if "term" not in params and "WebEnv" not in params:
            return self._esearch_error("Empty term and query_key - nothing todo", as_json)
        try:
            window = _date_window(params)
        except ValueError as exc:
            return self._esearch_error(str(exc), as_json)
        pmids = self._search(params.get("term", ""), window)
        retstart = _int(params.get("retstart"), 0)
        retmax = _int(params.get("retmax"), 20)
        with self.state.lock:
            cap = self.state.max_ids
        if retstart > cap - 1:
            return self._esearch_error(RETSTART_CEILING_MESSAGE.format(last=cap - 1, cap=cap), as_json)
        page = pmids[retstart : min(retstart + retmax, cap)]
        webenv = query_key = None
        if params.get("usehistory", "").lower() == "y":
            webenv, query_key = f"MCID_{secrets.token_hex(12)}", "1"
            with self.state.lock:
                self.state.histories[webenv] = _History(pmids)
        body = (_esearch_json if as_json else _esearch_xml)(
            len(pmids), len(page), retstart, page, webenv, query_key
        )
        if fault is not None:  # truncated
            return _response(body[: len(body) // 2], as_json)
        return _response(body, as_json)

    def _efetch(self, request: Request) -> Response:
        params = self._record(request, "efetch")
        fault = self._next_fault("efetch")
        if fault is not None and fault.kind != "truncated":
            return self._serve_fault(fault, "efetch", as_json=False)
        if params.get("db", "pubmed") != "pubmed":
            return _efetch_error(f"Database is not supported: {params.get('db')}", status=400)
        if params.get("retmode", "xml").lower() != "xml":
            return _efetch_error("the recorded-response server serves retmode=xml only", status=400)
        selected = self._select_for_fetch(params)
        if isinstance(selected, Response):
            return selected
        body = self._article_set(selected, last_batch=self._is_last_batch(params))
        if fault is not None:  # truncated: a connection that died mid-body, as a 200
            return _response(body[: int(len(body) * 0.6)], as_json=False)
        return _response(body, as_json=False)

    def _select_for_fetch(self, params: dict[str, str]) -> list[str] | Response:
        with self.state.lock:
            cap = self.state.max_ids
            missing = set(self.state.missing_pmids)
        if "WebEnv" in params:
            with self.state.lock:
                history = self.state.histories.get(params["WebEnv"])
                expired_status = self.state.expired_webenvs.get(params["WebEnv"])
            message = (
                f"Cannot retrieve history data. query_key: {params.get('query_key')}, "
                f"WebEnv: {params['WebEnv']}"
            )
            if expired_status is not None:
                return _efetch_error(message, status=expired_status)
            if history is None or params.get("query_key", "1") != "1":
                return _efetch_error(message, status=400)
            retstart = _int(params.get("retstart"), 0)
            retmax = _int(params.get("retmax"), 20)
            if retstart > cap - 1:
                return _efetch_error(RETSTART_CEILING_MESSAGE.format(last=cap - 1, cap=cap), status=400)
            chosen = history.pmids[retstart : min(retstart + retmax, cap)]
        else:
            ids = [i.strip() for i in params.get("id", "").split(",") if i.strip()]
            chosen = [i for i in ids if i in self._by_pmid]
            if not chosen:
                return _efetch_error("ID list is empty! Possibly it has no correct IDs.", status=200)
        return [p for p in chosen if p not in missing]

    def _is_last_batch(self, params: dict[str, str]) -> bool:
        if "WebEnv" not in params:
            return True
        with self.state.lock:
            history = self.state.histories.get(params["WebEnv"])
        total = len(history.pmids) if history else 0
        return _int(params.get("retstart"), 0) + _int(params.get("retmax"), 20) >= total

    def _search(self, term: str, window: tuple[date, date] | None) -> list[str]:
        with self.state.lock:
            allowed = self.state.term_pmids.get(term)
        chosen = [a for a in self.state.articles if allowed is None or a.pmid in allowed]
        if window is not None:
            low, high = window
            chosen = [a for a in chosen if low <= a.entrez_date <= high]
        return [a.pmid for a in chosen]

    def _article_set(self, pmids: Sequence[str], *, last_batch: bool) -> bytes:
        parts = [EFETCH_HEAD, b"<PubmedArticleSet>\n"]
        parts.extend(self._by_pmid[p].xml + b"\n" for p in pmids)
        if last_batch:
            with self.state.lock:
                deleted = list(self.state.deleted_pmids)
            if deleted:
                pmid_elements = b"".join(b'<PMID Version="1">%s</PMID>' % p.encode() for p in deleted)
                parts.append(b"<DeleteCitation>" + pmid_elements + b"</DeleteCitation>\n")
        parts.append(b"</PubmedArticleSet>\n")
        return b"".join(parts)

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
                self.state.rate_limit_json,
                status=fault.status,
                headers=headers,
                content_type="application/json",
            )
        # error_in_200
        if endpoint == "esearch":
            return self._esearch_error(fault.message, as_json)
        return _efetch_error(fault.message, status=200)

    @staticmethod
    def _esearch_error(message: str, as_json: bool) -> Response:
        if as_json:
            body = orjson.dumps(
                {"header": {"type": "esearch", "version": "0.3"}, "esearchresult": {"ERROR": message}}
            )
        else:
            body = (
                ESEARCH_HEAD + b"<eSearchResult><ERROR>" + _xml_text(message) + b"</ERROR></eSearchResult>\n"
            )
        return _response(body, as_json)


# -- response bodies ----------------------------------------------------------------------------------


def _esearch_xml(
    count: int, retmax: int, retstart: int, ids: Sequence[str], webenv: str | None, query_key: str | None
) -> bytes:
    history = b""
    if webenv is not None and query_key is not None:
        history = b"<QueryKey>%s</QueryKey><WebEnv>%s</WebEnv>" % (query_key.encode(), webenv.encode())
    id_list = (
        b"<IdList>\n" + b"".join(b"<Id>%s</Id>\n" % i.encode() for i in ids) + b"</IdList>"
        if ids
        else b"<IdList/>"
    )
    return (
        ESEARCH_HEAD
        + b"<eSearchResult><Count>%d</Count><RetMax>%d</RetMax><RetStart>%d</RetStart>"
        % (count, retmax, retstart)
        + history
        + id_list
        + b"<TranslationSet/><QueryTranslation></QueryTranslation></eSearchResult>\n"
    )


def _esearch_json(
    count: int, retmax: int, retstart: int, ids: Sequence[str], webenv: str | None, query_key: str | None
) -> bytes:
    result: dict[str, object] = {"count": str(count), "retmax": str(retmax), "retstart": str(retstart)}
    if webenv is not None:
        result |= {"querykey": query_key, "webenv": webenv}
    result |= {"idlist": list(ids), "translationset": [], "querytranslation": ""}
    return orjson.dumps({"header": {"type": "esearch", "version": "0.3"}, "esearchresult": result})


def _efetch_error(message: str, *, status: int) -> Response:
    body = (
        EFETCH_ERROR_HEAD + b"<eFetchResult>\n\t<ERROR>" + _xml_text(message) + b"</ERROR>\n</eFetchResult>\n"
    )
    return Response(body, status=status, content_type="text/xml; charset=UTF-8")


def _response(body: bytes, as_json: bool) -> Response:
    content_type = "application/json; charset=UTF-8" if as_json else "text/xml; charset=UTF-8"
    return Response(body, status=200, content_type=content_type)


def _xml_text(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _date_window(params: Mapping[str, str]) -> tuple[date, date] | None:
    """NCBI applies mindate/maxdate only as a pair; only the entrez date (edat) is recorded here."""
    if not params.get("mindate") or not params.get("maxdate"):
        return None
    datetype = params.get("datetype", "pdat")
    if datetype != "edat":
        raise ValueError(f"recorded-response server filters datetype=edat only, not {datetype!r}")
    return _parse_date(params["mindate"], end=False), _parse_date(params["maxdate"], end=True)


def _parse_date(text: str, *, end: bool) -> date:
    """``YYYY``, ``YYYY/MM`` or ``YYYY/MM/DD``; a partial maxdate covers its whole year or month."""
    parts = [int(p) for p in text.strip().split("/")]
    if not 1 <= len(parts) <= 3:
        raise ValueError(f"Invalid date: {text}")
    year, month, day = [*parts, 0, 0][:3]
    month = month or (12 if end else 1)
    if not day:
        if not end:
            day = 1
        else:
            next_month = date(year + (month == 12), month % 12 + 1, 1)
            day = (next_month - date(year, month, 1)).days
    return date(year, month, day)


# -- pytest fixtures (import them into a test module or conftest) -----------------------------------


@pytest.fixture(scope="session")
def pubmed_fixture_articles(fixtures_dir: Path) -> list[FixtureArticle]:
    """The recorded efetch articles plus the migraine set, loaded once per session."""
    return load_fixture_articles(fixtures_dir)


@pytest.fixture
def pubmed_server(
    fixtures_dir: Path, pubmed_fixture_articles: list[FixtureArticle]
) -> Iterator[PubmedRecordedServer]:
    """A fresh server per test: faults, histories and the request log never leak between tests."""
    with PubmedRecordedServer(fixtures_dir, articles=pubmed_fixture_articles) as server:
        yield server


# -- standalone demo ----------------------------------------------------------------------------------


def _default_fixtures() -> Path:
    env = os.environ.get("EVIDENCE_FIXTURES")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve recorded PubMed E-utilities responses.")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--fixtures", type=Path, default=_default_fixtures())
    parser.add_argument("--max-ids", type=int, default=NCBI_MAX_IDS)
    args = parser.parse_args(argv)
    with PubmedRecordedServer(args.fixtures, max_ids=args.max_ids, host=args.host, port=args.port) as server:
        print(
            f"serving {len(server.articles)} recorded articles at {server.base_url} (Ctrl-C stops)",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()


def pubmed_client(
    server: PubmedRecordedServer,
    clock: FakeClock | None = None,
    *,
    batch_size: int = 20,
    api_key: str | None = None,
    requests_per_second: float = 3.0,
    max_attempts: int = 4,
    max_retrievable: int | None = None,
) -> PubmedClient:
    """A real PubmedClient against ``server`` on a fake clock (waits cost nothing, but are recorded)."""
    clock = clock or FakeClock()
    settings = PubmedSettings(
        base_url=server.base_url,
        email="curator@example.org",
        batch_size=batch_size,
        http=HttpSettings(
            requests_per_second=requests_per_second,
            max_attempts=max_attempts,
            backoff_initial_seconds=0.01,
            backoff_max_seconds=60.0,
            timeout_seconds=5.0,
        ),
    )
    extra = {} if max_retrievable is None else {"max_retrievable": max_retrievable}
    return PubmedClient(settings, "pipeline-tests/1.0", api_key, sleep=clock.sleep, clock=clock, **extra)


def stored_pmids(run: RawRun, prefix: str = "") -> list[str]:
    """PMIDs of the articles in a raw run's stored EFetch bodies (whose file names start with
    ``prefix``), read independently of the client under test."""
    pmids = []
    for record, body in run.iter_bodies("efetch"):
        if record.file.startswith(prefix):
            root = etree.fromstring(body, parser=etree.XMLParser(load_dtd=False, no_network=True))
            pmids.extend(el.findtext("MedlineCitation/PMID") for el in root.iterfind("PubmedArticle"))
    return pmids
