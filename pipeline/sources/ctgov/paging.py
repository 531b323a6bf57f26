"""Paging one ClinicalTrials.gov query into the raw zone, and reconciling it with its ``totalCount``.

A run holds one or more queries (the main pull, then each drift chunk); each is checked on its own:
the studies received must equal the ``totalCount`` its first page announced, or the run stays
incomplete.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import FetchError
from pipeline.http.client import RequestRejected
from pipeline.raw.zone import RawRun
from pipeline.sources.ctgov.client import CtgovClient
from pipeline.sources.ctgov.pages import ParsedPage

logger = logging.getLogger(__name__)


class StaleResume(Exception):
    """The pages taken over from a crashed run do not fit what the API now serves."""


@dataclass
class QueryTally:
    """Counts of one query of a run (the main pull, or one drift chunk), for its own reconciliation."""

    total: int | None = None
    n_records: int = 0
    n_pages: int = 0
    first_page_of: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, list[int]] = field(default_factory=dict)

    def add(self, page: ParsedPage) -> None:
        self.n_pages += 1
        if self.n_pages == 1:
            self.total = page.total_count
        self.n_records += len(page.nct_ids)
        for nct_id in page.nct_ids:
            if nct_id in self.first_page_of:
                self.duplicates.setdefault(nct_id, [self.first_page_of[nct_id]]).append(self.n_pages)
            else:
                self.first_page_of[nct_id] = self.n_pages


def fetch_query(
    client: CtgovClient,
    raw_run: RawRun,
    extra_params: Mapping[str, Any] | None,
    prefix: str,
    on_page: Callable[[int, int | None], None] | None,
    kept: Sequence[ParsedPage] = (),
) -> QueryTally:
    """Page through one query into the raw zone; raises unless its pages add up to its totalCount.

    ``kept`` are the pages already in the run (taken over from a crashed run): paging continues
    after the last of them, and ``StaleResume`` says they turned out not to fit.
    """
    tally = QueryTally()
    for parsed in kept:
        tally.add(parsed)
        if on_page is not None:
            on_page(tally.n_records, tally.total)
    token = kept[-1].next_page_token if kept else None
    if not kept or token is not None:
        try:
            for page in client.iter_pages(extra_params, start_token=token):
                tally.add(page.parsed)
                file_name = f"{prefix}-{tally.n_pages:06d}.json"
                raw_run.write_response(file_name, page, n_records=len(page.parsed.nct_ids), kind="page")
                if on_page is not None:
                    on_page(tally.n_records, tally.total)
        except RequestRejected as exc:
            if kept:
                raise StaleResume(f"the API refused to continue from the saved page token ({exc})") from None
            raise
    where = f"ClinicalTrials.gov run {raw_run.run_id}" + ("" if prefix == "page" else f" ({prefix} query)")
    if kept:
        _check_resumed(tally, len(kept))
    _reconcile(tally, where)
    return tally


def _check_resumed(tally: QueryTally, n_kept: int) -> None:
    """A study on both sides of the resume point, or counts that do not add up: the kept pages are stale."""
    across = sorted(k for k, pages in tally.duplicates.items() if pages[0] <= n_kept < pages[-1])
    if across:
        raise StaleResume(f"{len(across)} studies came again after the resume point, e.g. {across[0]}")
    if tally.n_records != tally.total:
        raise StaleResume(f"{tally.n_records} studies against a totalCount of {tally.total}")


def _reconcile(tally: QueryTally, where: str) -> None:
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
