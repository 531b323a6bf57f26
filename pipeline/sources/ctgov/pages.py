"""What the client needs from a ClinicalTrials.gov body, and the refusal of anything that is not one.

A body that does not parse raises ``InvalidBody``, so the HTTP layer fetches it again instead of storing
it. The body itself is never changed: normalising reads it again from the raw zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from pipeline.http.retry import InvalidBody


@dataclass(frozen=True)
class ParsedPage:
    """One ``/studies`` page as the client reads it: enough to page and reconcile, nothing to normalise."""

    nct_ids: tuple[str, ...]
    total_count: int | None
    next_page_token: str | None


def parse_studies_page(body: bytes) -> ParsedPage:
    """Reject anything that is not a page (a cut body, an HTML error page) so it is fetched again."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidBody(f"not valid JSON ({exc.msg} at byte {exc.pos} of {len(body)})") from None
    if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
        raise InvalidBody("JSON is not a studies page (no 'studies' list)")
    total = data.get("totalCount")
    token = data.get("nextPageToken")
    if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
        raise InvalidBody(f"totalCount is not a count: {total!r}")
    if token is not None and (not isinstance(token, str) or not token):
        raise InvalidBody(f"nextPageToken is not a token: {token!r}")
    nct_ids = []
    for study in data["studies"]:
        nct_id = _nct_id(study)
        if nct_id is None:
            raise InvalidBody("a study has no protocolSection.identificationModule.nctId")
        nct_ids.append(nct_id)
    return ParsedPage(nct_ids=tuple(nct_ids), total_count=total, next_page_token=token)


def _nct_id(study: Any) -> str | None:
    try:
        nct_id = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None
    return nct_id if isinstance(nct_id, str) and nct_id else None


def parse_version(body: bytes) -> dict[str, Any]:
    """``/version``: apiVersion and dataTimestamp (which registry snapshot a run saw)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidBody(f"not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in ("apiVersion", "dataTimestamp")
    ):
        raise InvalidBody("version response lacks apiVersion/dataTimestamp")
    return data
