"""Read what E-utilities sent back, and refuse anything that is not data.

NCBI reports many failures inside HTTP 200: ``{"error": "API rate limit exceeded"}``, an
``<ERROR>`` in an eSearchResult or eFetchResult, a body cut short. Each of those raises
``InvalidBody`` here so the HTTP layer retries it like a 503 instead of storing it as a result.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from lxml import etree

from pipeline.http.retry import ErrorBody, InvalidBody
from pipeline.util import untrusted_xml

ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle")
# The PMID of the record itself; PMIDs under CommentsCorrections or DeleteCitation are other records.
OWN_PMID_PARENTS = frozenset({"MedlineCitation", "BookDocument"})
MAX_MESSAGE = 200


@dataclass(frozen=True)
class EsearchResult:
    count: int
    retmax: int
    retstart: int
    ids: tuple[str, ...]
    webenv: str | None
    query_key: str | None


@dataclass(frozen=True)
class EfetchSummary:
    """A fast reading of one EFetch batch: enough to reconcile counts, nothing to normalise."""

    n_records: int
    pmids: tuple[str, ...]
    deleted_pmids: tuple[str, ...]


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_MESSAGE else flat[: MAX_MESSAGE - 1] + "…"


def json_error(body: bytes) -> str | None:
    """NCBI's JSON error text (rate limit, backend failure), or None when the body is not one."""
    if not body.lstrip().startswith(b"{"):
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("error"), str):
        return data["error"]
    result = data.get("esearchresult")
    if isinstance(result, dict) and isinstance(result.get("ERROR"), str):
        return result["ERROR"]
    return None


def parse_esearch(body: bytes, *, require_history: bool = False) -> EsearchResult:
    """Count, ids and history handle from an ESearch body (XML or JSON, as NCBI sends either)."""
    error = json_error(body)
    if error is not None:
        raise ErrorBody(f"NCBI error: {_short(error)}")
    result = _esearch_from_json(body) if body.lstrip().startswith(b"{") else _esearch_from_xml(body)
    if require_history and result.count > 0 and not (result.webenv and result.query_key):
        raise InvalidBody("ESearch answered without WebEnv/QueryKey although usehistory=y was sent")
    return result


def _esearch_from_xml(body: bytes) -> EsearchResult:
    try:
        root = etree.fromstring(body, parser=untrusted_xml.parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidBody(f"ESearch body is not well-formed XML ({_short(str(exc))})") from None
    if root.tag != "eSearchResult":
        raise InvalidBody(f"expected an eSearchResult, got <{root.tag}>")
    error = root.findtext("ERROR")
    if error is not None:
        raise ErrorBody(f"NCBI error: {_short(error)}")
    # Direct children only: TranslationStack/TermSet has <Count> elements of its own.
    return EsearchResult(
        count=_number(root.findtext("Count"), "Count"),
        retmax=_number(root.findtext("RetMax") or "0", "RetMax"),
        retstart=_number(root.findtext("RetStart") or "0", "RetStart"),
        ids=tuple((i.text or "").strip() for i in root.iterfind("IdList/Id")),
        webenv=(root.findtext("WebEnv") or "").strip() or None,
        query_key=(root.findtext("QueryKey") or "").strip() or None,
    )


def _esearch_from_json(body: bytes) -> EsearchResult:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidBody(f"ESearch body is not valid JSON ({exc.msg})") from None
    result = data.get("esearchresult") if isinstance(data, dict) else None
    if not isinstance(result, dict):
        raise InvalidBody("ESearch JSON has no esearchresult object")
    ids = result.get("idlist", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InvalidBody("ESearch JSON idlist is not a list of ids")
    return EsearchResult(
        count=_number(result.get("count"), "count"),
        retmax=_number(result.get("retmax", "0"), "retmax"),
        retstart=_number(result.get("retstart", "0"), "retstart"),
        ids=tuple(ids),
        webenv=result.get("webenv") or None,
        query_key=str(result["querykey"]) if result.get("querykey") not in (None, "") else None,
    )


def _number(text: object, name: str) -> int:
    value = str(text).strip() if text is not None else ""
    if not value.isdigit():
        raise InvalidBody(f"ESearch {name} is not a count: {text!r}")
    return int(value)


def summarise_efetch(body: bytes) -> EfetchSummary:
    """Count the articles of a PubmedArticleSet while streaming it; cut or error bodies raise."""
    error = json_error(body)
    if error is not None:
        raise ErrorBody(f"NCBI error: {_short(error)}")
    n_records = 0
    pmids: list[str] = []
    deleted: list[str] = []
    tags = (*ARTICLE_TAGS, "PMID", "ERROR", "DeleteCitation")
    context = untrusted_xml.iterparse_ends(body, tags)
    try:
        for _, element in context:
            tag = element.tag
            if tag == "ERROR":
                raise ErrorBody(f"NCBI error: {_short(element.text or 'empty <ERROR>')}")
            if tag == "PMID":
                parent = element.getparent()
                if parent is not None and parent.tag in OWN_PMID_PARENTS:
                    pmids.append((element.text or "").strip())
                continue
            if tag == "DeleteCitation":
                deleted.extend((p.text or "").strip() for p in element.iterfind("PMID"))
            else:
                n_records += 1
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise InvalidBody(f"EFetch body is not well-formed XML ({_short(str(exc))})") from None
    root = context.root
    if root is None or root.tag != "PubmedArticleSet":
        raise InvalidBody(f"expected a PubmedArticleSet, got <{getattr(root, 'tag', 'nothing')}>")
    return EfetchSummary(n_records=n_records, pmids=tuple(pmids), deleted_pmids=tuple(deleted))
