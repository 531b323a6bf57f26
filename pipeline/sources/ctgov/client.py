"""ClinicalTrials.gov API v2 client: pages of ``/studies`` for the configured condition, and ``/version``.

It only fetches and checks (``pages.py``); it knows nothing about the raw zone or Parquet.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pipeline.config import CtgovSettings
from pipeline.errors import FetchError
from pipeline.http.client import HttpClient, HttpResult
from pipeline.http.clock import SYSTEM_CLOCK, Clock
from pipeline.sources.ctgov.pages import ParsedPage, parse_studies_page, parse_version

# Set by the client on every page; letting extra_params change them would break paging or counting.
RESERVED_PARAMS = frozenset({"query.cond", "pageSize", "countTotal", "format", "pageToken"})


class CtgovClient:
    """Fetches pages of ``/studies`` for the configured condition; knows nothing about storage."""

    def __init__(self, settings: CtgovSettings, user_agent: str, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.settings = settings
        self.base_url = str(settings.base_url).rstrip("/")
        self.http = HttpClient(settings.http, user_agent, clock=clock)

    def close(self) -> None:
        self.http.close()

    def fetch_version(self) -> HttpResult[dict[str, Any]]:
        """The ``/version`` response; its ``parsed`` holds apiVersion and dataTimestamp."""
        return self.http.get(f"{self.base_url}/version", validate=parse_version)

    def version(self) -> dict[str, Any]:
        """apiVersion and dataTimestamp: which registry snapshot a run saw."""
        parsed = self.fetch_version().parsed
        return {"apiVersion": parsed["apiVersion"], "dataTimestamp": parsed["dataTimestamp"]}

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
    ) -> Iterator[HttpResult[ParsedPage]]:
        """Follow nextPageToken to the end; an empty page in the middle is normal and followed.

        ``start_token`` continues an earlier paging (a resumed run) with the page it points at.
        """
        params = self.search_params(extra_params)
        url = f"{self.base_url}/studies"
        token = start_token
        seen_tokens: set[str] = {token} if token else set()
        while True:
            page_params = params if token is None else {**params, "pageToken": token}
            page = self.http.get(url, page_params, validate=parse_studies_page)
            yield page
            token = page.parsed.next_page_token
            if token is None:
                return
            if token in seen_tokens:
                raise FetchError(f"ClinicalTrials.gov paging loop: nextPageToken {token!r} came back twice")
            seen_tokens.add(token)
