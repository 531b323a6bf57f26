"""Where a row came from: stamped on every normalised row so any value can be traced to its raw page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Provenance:
    run_id: str
    fetched_at: datetime  # timezone-aware UTC: when the raw page was received
    data_timestamp: str | None  # the API's own data version (ctgov /version dataTimestamp), if known
