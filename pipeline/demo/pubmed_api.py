"""An NCBI E-utilities stand-in (ESearch + EFetch for db=pubmed) over real recorded articles.

The demo's PubMed, and the core the tests' recorded server extends with faults and a request log. It
reproduces what NCBI really does over real HTTP: the 9,999-id retrieval ceiling per query, history
(WebEnv/query_key) paging, errors sent inside HTTP 200, entry-date (edat) windows, records withdrawn
between ESearch and EFetch, DeleteCitation in the last batch. It serves only real recorded
``<PubmedArticle>`` elements, byte for byte. Any ``term`` matches every article unless ``term_pmids``
maps that exact term to a PMID list; results are ordered newest entry date first, like PubMed's default.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import orjson
from werkzeug import Request, Response

from pipeline.demo.http_server import answer
from pipeline.demo.pubmed_records import RecordedArticle

# Measured at NCBI: "'retstart' cannot be larger than 9998. For PubMed, ESearch can only retrieve the
# first 9,999 records matching the query." (the documented figure is 10,000).
NCBI_MAX_IDS = 9_999
EUTILS_PATH = "/entrez/eutils"

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


class ErrorReply(Exception):
    """An answer other than a result (NCBI's error bodies, mostly inside HTTP 200)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


# -- the API ------------------------------------------------------------------------------------------


class PubmedApi:
    """``esearch.fcgi`` and ``efetch.fcgi`` over recorded articles; a WSGI app (see ``http_server``).

    ``missing_pmids`` are counted by ESearch but never returned by EFetch (a record withdrawn between
    the two calls); ``deleted_pmids`` come as ``<DeleteCitation>`` with the last batch.
    """

    def __init__(
        self,
        articles: Sequence[RecordedArticle],
        *,
        max_ids: int = NCBI_MAX_IDS,
        term_pmids: Mapping[str, Iterable[str]] | None = None,
        deleted_pmids: Iterable[str] = (),
    ) -> None:
        self._articles = sorted(articles, key=lambda a: (a.entrez_date, int(a.pmid)), reverse=True)
        self._by_pmid = {a.pmid: a for a in self._articles}
        self.lock = threading.Lock()
        self.max_ids = max_ids
        self.term_pmids: dict[str, list[str]] = {k: list(v) for k, v in (term_pmids or {}).items()}
        self.deleted_pmids = list(deleted_pmids)
        self.missing_pmids: set[str] = set()
        self.histories: dict[str, list[str]] = {}  # WebEnv -> the PMIDs its search found
        self.expired_webenvs: dict[str, int] = {}  # WebEnv -> HTTP status of its error
        self._initial = (max_ids, dict(self.term_pmids))

    @property
    def articles(self) -> list[RecordedArticle]:
        return list(self._articles)

    # -- state ----------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the configuration it was built with."""
        with self.lock:
            self.histories.clear()
            self.expired_webenvs.clear()
            self.missing_pmids = set()
            self.max_ids = self._initial[0]
            self.term_pmids = dict(self._initial[1])

    def set_max_ids(self, max_ids: int) -> None:
        with self.lock:
            self.max_ids = max_ids

    def set_missing(self, pmids: Iterable[str]) -> None:
        with self.lock:
            self.missing_pmids = set(pmids)

    def set_term_pmids(self, term: str, pmids: Iterable[str]) -> None:
        """What ``term`` finds from now on (e.g. all but a withdrawn record)."""
        with self.lock:
            self.term_pmids[term] = list(pmids)

    def expire_webenv(self, webenv: str | None = None, *, status: int = 200) -> list[str]:
        """Let history sessions expire, as NCBI's do after some hours: ``webenv``, or every one so far.

        EFetch through an expired WebEnv then answers with NCBI's "Cannot retrieve history data" error
        body, inside HTTP ``status`` (200, as NCBI sends most errors, or e.g. 400). Returns the WebEnvs.
        """
        with self.lock:
            chosen = [webenv] if webenv is not None else list(self.histories)
            for name in chosen:
                self.expired_webenvs[name] = status
        return chosen

    # -- HTTP -----------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        routes = {
            f"{EUTILS_PATH}/esearch.fcgi": self.esearch_endpoint,
            f"{EUTILS_PATH}/efetch.fcgi": self.efetch_endpoint,
        }
        return answer(environ, start_response, routes)  # NCBI takes GET and POST alike

    def esearch_endpoint(self, request: Request) -> Response:
        params = request_params(request)
        try:
            return result_response(self.esearch(params), is_json(params))
        except ErrorReply as error:
            return error.response

    def efetch_endpoint(self, request: Request) -> Response:
        try:
            return result_response(self.efetch(request_params(request)), as_json=False)
        except ErrorReply as error:
            return error.response

    # -- ESearch and EFetch ---------------------------------------------------------------------------

    def esearch(self, params: Mapping[str, str]) -> bytes:
        """The result body; raises ErrorReply with NCBI's error body for what NCBI refuses."""
        as_json = is_json(params)
        if params.get("db", "pubmed") != "pubmed":
            raise ErrorReply(esearch_error(f"Database is not supported: {params.get('db')}", as_json))
        if "term" not in params and "WebEnv" not in params:
            raise ErrorReply(esearch_error("Empty term and query_key - nothing todo", as_json))
        try:
            window = _date_window(params)
        except ValueError as exc:
            raise ErrorReply(esearch_error(str(exc), as_json)) from None
        pmids = self._search(params.get("term", ""), window)
        retstart = _int(params.get("retstart"), 0)
        retmax = _int(params.get("retmax"), 20)
        with self.lock:
            cap = self.max_ids
        if retstart > cap - 1:
            message = RETSTART_CEILING_MESSAGE.format(last=cap - 1, cap=cap)
            raise ErrorReply(esearch_error(message, as_json))
        page = pmids[retstart : min(retstart + retmax, cap)]
        webenv = query_key = None
        if params.get("usehistory", "").lower() == "y":
            webenv, query_key = f"MCID_{secrets.token_hex(12)}", "1"
            with self.lock:
                self.histories[webenv] = pmids
        render = _esearch_json if as_json else _esearch_xml
        return render(len(pmids), len(page), retstart, page, webenv, query_key)

    def efetch(self, params: Mapping[str, str]) -> bytes:
        """The ``PubmedArticleSet`` body; raises ErrorReply with NCBI's error body for a refusal."""
        if params.get("db", "pubmed") != "pubmed":
            raise ErrorReply(efetch_error(f"Database is not supported: {params.get('db')}", status=400))
        if params.get("retmode", "xml").lower() != "xml":
            raise ErrorReply(efetch_error("the recorded-response server serves retmode=xml only", status=400))
        selected = self._select_for_fetch(params)
        return self._article_set(selected, last_batch=self._is_last_batch(params))

    def _select_for_fetch(self, params: Mapping[str, str]) -> list[str]:
        with self.lock:
            cap = self.max_ids
            missing = set(self.missing_pmids)
        if "WebEnv" in params:
            with self.lock:
                history = self.histories.get(params["WebEnv"])
                expired_status = self.expired_webenvs.get(params["WebEnv"])
            message = (
                f"Cannot retrieve history data. query_key: {params.get('query_key')}, "
                f"WebEnv: {params['WebEnv']}"
            )
            if expired_status is not None:
                raise ErrorReply(efetch_error(message, status=expired_status))
            if history is None or params.get("query_key", "1") != "1":
                raise ErrorReply(efetch_error(message, status=400))
            retstart = _int(params.get("retstart"), 0)
            retmax = _int(params.get("retmax"), 20)
            if retstart > cap - 1:
                message = RETSTART_CEILING_MESSAGE.format(last=cap - 1, cap=cap)
                raise ErrorReply(efetch_error(message, status=400))
            chosen = history[retstart : min(retstart + retmax, cap)]
        else:
            ids = [i.strip() for i in params.get("id", "").split(",") if i.strip()]
            chosen = [i for i in ids if i in self._by_pmid]
            if not chosen:
                raise ErrorReply(
                    efetch_error("ID list is empty! Possibly it has no correct IDs.", status=200)
                )
        return [p for p in chosen if p not in missing]

    def _is_last_batch(self, params: Mapping[str, str]) -> bool:
        if "WebEnv" not in params:
            return True
        with self.lock:
            history = self.histories.get(params["WebEnv"])
        total = len(history) if history else 0
        return _int(params.get("retstart"), 0) + _int(params.get("retmax"), 20) >= total

    def _search(self, term: str, window: tuple[date, date] | None) -> list[str]:
        with self.lock:
            allowed = self.term_pmids.get(term)
        chosen = [a for a in self._articles if allowed is None or a.pmid in allowed]
        if window is not None:
            low, high = window
            chosen = [a for a in chosen if low <= a.entrez_date <= high]
        return [a.pmid for a in chosen]

    def _article_set(self, pmids: Sequence[str], *, last_batch: bool) -> bytes:
        parts = [EFETCH_HEAD, b"<PubmedArticleSet>\n"]
        parts.extend(self._by_pmid[p].xml + b"\n" for p in pmids)
        if last_batch:
            with self.lock:
                deleted = list(self.deleted_pmids)
            if deleted:
                pmid_elements = b"".join(b'<PMID Version="1">%s</PMID>' % p.encode() for p in deleted)
                parts.append(b"<DeleteCitation>" + pmid_elements + b"</DeleteCitation>\n")
        parts.append(b"</PubmedArticleSet>\n")
        return b"".join(parts)


# -- request and response bodies ----------------------------------------------------------------------


def request_params(request: Request) -> dict[str, str]:
    """Query string and form body merged: NCBI accepts GET and POST alike."""
    return {**request.args.to_dict(flat=True), **request.form.to_dict(flat=True)}


def is_json(params: Mapping[str, str]) -> bool:
    return params.get("retmode", "xml").lower() == "json"


def result_response(body: bytes, as_json: bool) -> Response:
    content_type = "application/json; charset=UTF-8" if as_json else "text/xml; charset=UTF-8"
    return Response(body, status=200, content_type=content_type)


def esearch_error(message: str, as_json: bool) -> Response:
    if as_json:
        body = orjson.dumps(
            {"header": {"type": "esearch", "version": "0.3"}, "esearchresult": {"ERROR": message}}
        )
    else:
        body = ESEARCH_HEAD + b"<eSearchResult><ERROR>" + _xml_text(message) + b"</ERROR></eSearchResult>\n"
    return result_response(body, as_json)


def efetch_error(message: str, *, status: int) -> Response:
    body = (
        EFETCH_ERROR_HEAD + b"<eFetchResult>\n\t<ERROR>" + _xml_text(message) + b"</ERROR>\n</eFetchResult>\n"
    )
    return Response(body, status=status, content_type="text/xml; charset=UTF-8")


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
