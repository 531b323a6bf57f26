"""Resuming a ClinicalTrials.gov run a crash cut off: which of its pages a new run may take over.

A cut-off run is continued only by a run with an equal plan, while the registry still serves the same
snapshot (same ``dataTimestamp``): its whole leading pages are taken over (hard links keeping their own
fetch times) and paging goes on from the last one's ``nextPageToken``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from pipeline.errors import RawZoneError
from pipeline.http.retry import InvalidBody
from pipeline.raw.zone import PageRecord, RawRun
from pipeline.sources.ctgov.client import CtgovClient
from pipeline.sources.ctgov.pages import ParsedPage, parse_studies_page, parse_version

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeptPage:
    record: PageRecord
    parsed: ParsedPage


def run_plan(client: CtgovClient, request_params: Mapping[str, Any], mode: str) -> dict[str, Any]:
    """What a run asks for: a crashed run is resumed only by a run with an equal plan.

    The drift slice is not part of it: a resumed run re-reads today's slice after the paged query.
    """
    return orjson.loads(
        orjson.dumps({"base_url": client.base_url, "mode": mode, "request_params": dict(request_params)})
    )


def resumable_pages(
    donor: RawRun, plan: Mapping[str, Any], data_timestamp: str
) -> tuple[list[KeptPage], str]:
    """The whole leading pages of ``donor``'s paged query that the run with ``plan`` can take over.

    Returns them (possibly none) with a reason for the log. Pages are kept in order while each is
    stored whole (its sha256), parses as a studies page and was asked with the plan's parameters
    plus the previous page's token; the first that is not ends the list.
    """
    why = _why_not(donor, plan, data_timestamp)
    if why is not None:
        return [], why
    params = plan["request_params"]
    stored = {r.file: r for r in donor.pages() if r.kind == "page"}
    kept: list[KeptPage] = []
    token: str | None = None
    while True:
        name = f"page-{len(kept) + 1:06d}.json.gz"
        record = stored.get(name)
        if record is None:
            break
        checked = _check_page(donor, record, params if token is None else {**params, "pageToken": token})
        if isinstance(checked, str):
            logger.info("ClinicalTrials.gov run %s: %s %s: not taken over", donor.run_id, name, checked)
            break
        kept.append(KeptPage(record, checked))
        token = checked.next_page_token
        if token is None:
            break
    if not kept:
        return [], "none of its pages is whole"
    return kept, f"{len(kept)} whole pages of its query"


def _why_not(donor: RawRun, plan: Mapping[str, Any], data_timestamp: str) -> str | None:
    """Why none of ``donor``'s pages can be taken over, or None when they may be."""
    started = donor.started()
    if started is None:
        return "it recorded no plan"
    if started["plan"] != plan:
        return "its plan differs from this run's"
    versions = [r for r in donor.pages() if r.kind == "version"]
    try:
        old_version = parse_version(donor.read_body(versions[-1])) if versions else None
    except (RawZoneError, InvalidBody):
        old_version = None
    if old_version is None:
        return "its /version response is missing or unreadable"
    if old_version["dataTimestamp"] != data_timestamp:
        return (
            f"the registry's data changed since (dataTimestamp {old_version['dataTimestamp']} -> "
            f"{data_timestamp})"
        )
    return None


def _check_page(donor: RawRun, record: PageRecord, expected_params: Mapping[str, Any]) -> ParsedPage | str:
    """The parsed page, or what is wrong with it."""
    if record.params != expected_params:
        return "was asked with other parameters"
    try:
        parsed = parse_studies_page(donor.read_body(record))
    except RawZoneError as exc:
        return f"is not stored whole ({exc})"
    except InvalidBody as exc:
        return f"is not a whole studies page ({exc})"
    if "pageToken" not in expected_params and parsed.total_count is None:
        return "has no totalCount"
    return parsed


def take_over(
    raw_run: RawRun, donor: RawRun | None, plan: Mapping[str, Any], data_timestamp: str
) -> list[KeptPage]:
    """Adopt the donor's whole pages into ``raw_run`` and mark the donor taken over (if any fit)."""
    if donor is None:
        return []
    kept, why = resumable_pages(donor, plan, data_timestamp)
    if not kept:
        logger.info(
            "ClinicalTrials.gov run %s: not resuming cut-off run %s (%s)", raw_run.run_id, donor.run_id, why
        )
        return []
    for page in kept:
        raw_run.adopt_page(donor, page.record)
    donor.mark_taken_over(raw_run.run_id, len(kept))
    logger.info(
        "ClinicalTrials.gov run %s: resuming cut-off run %s: %s taken over%s",
        raw_run.run_id,
        donor.run_id,
        why,
        "" if kept[-1].parsed.next_page_token else " (its paged query was complete)",
    )
    return kept
