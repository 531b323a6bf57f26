"""PubMed through NCBI E-utilities: ESearch and EFetch for db=pubmed, nothing about storage.

Both calls are form POSTs (NCBI accepts them): the default query runs to thousands of characters and the
API key then stays out of URLs; the HTTP layer keeps it out of logs, errors and the responses it hands
back (which the raw zone stores as they are).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pipeline.config import PubmedSettings
from pipeline.errors import FetchError
from pipeline.http.client import HttpClient, HttpResult
from pipeline.http.clock import SYSTEM_CLOCK, Clock
from pipeline.sources.pubmed.responses import EfetchSummary, EsearchResult, parse_esearch, summarise_efetch

API_KEY_ENV_VAR = "NCBI_API_KEY"
# NCBI's own error says "'retstart' cannot be larger than 9998 ... only the first 9,999 records".
NCBI_MAX_RETRIEVABLE = 9_999
RATE_WITHOUT_KEY = 3.0
RATE_WITH_KEY = 10.0

T = TypeVar("T")


def api_key_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The key lives in the environment, never in config.yaml (which gets committed and shared)."""
    value = (environ if environ is not None else os.environ).get(API_KEY_ENV_VAR, "").strip()
    return value or None


def allowed_rate(requested: float, has_api_key: bool) -> float:
    """NCBI allows 3 requests/s per client, 10 with a key; going over gets HTTP 429 and risks a block."""
    return min(requested, RATE_WITH_KEY if has_api_key else RATE_WITHOUT_KEY)


class PubmedClient:
    """ESearch and EFetch for db=pubmed, sending ``tool``/``email`` (and the key) on every request."""

    def __init__(
        self,
        settings: PubmedSettings,
        user_agent: str,
        api_key: str | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.settings = settings
        # NCBI's cap on the ids one search hands out; tests lower it to exercise date-window splitting
        # against a server with a tiny cap.
        self.max_retrievable = NCBI_MAX_RETRIEVABLE
        self.base_url = str(settings.base_url).rstrip("/")
        self._api_key = api_key.strip() if api_key and api_key.strip() else None
        rate = allowed_rate(settings.http.requests_per_second, self._api_key is not None)
        http_settings = settings.http.model_copy(update={"requests_per_second": rate})
        self.http = HttpClient(http_settings, user_agent, clock=clock)

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
    ) -> HttpResult[EsearchResult]:
        """One ESearch with history on; ``mindate``/``maxdate`` (edat, inclusive) come as a pair."""
        params: dict[str, Any] = {"db": "pubmed", "term": term, "usehistory": "y", "retmax": retmax}
        if (mindate is None) != (maxdate is None):
            raise FetchError("PubMed ESearch needs both mindate and maxdate, or neither")
        if mindate is not None and maxdate is not None:
            params |= {"datetype": "edat", "mindate": mindate, "maxdate": maxdate}
        return self._post("esearch.fcgi", params, lambda body: parse_esearch(body, require_history=True))

    def efetch_ids(self, pmids: Sequence[str]) -> HttpResult[EfetchSummary]:
        """Full records of explicit PMIDs (in the form body, so thousands fit)."""
        params: dict[str, Any] = {"db": "pubmed", "id": ",".join(pmids), "retmode": "xml"}
        return self._post("efetch.fcgi", params, summarise_efetch)

    def efetch(self, webenv: str, query_key: str, *, retstart: int, retmax: int) -> HttpResult[EfetchSummary]:
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

    def _post(self, endpoint: str, params: dict[str, Any], validate: Callable[[bytes], T]) -> HttpResult[T]:
        identity: dict[str, Any] = {"tool": self.settings.tool}
        if self.settings.email:
            identity["email"] = self.settings.email
        sent = {**params, **identity}
        if self._api_key:
            sent["api_key"] = self._api_key
        return self.http.post(f"{self.base_url}/{endpoint}", sent, validate=validate)
