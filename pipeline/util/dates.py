"""Days from the ISO UTC times the run log and manifests write down."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_day(iso: str) -> date:
    """The UTC calendar day of an ISO time (``Z`` or an offset)."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).date()
