"""What one source's fetch asks its API for, and why: the pull planner's answer, handed to the fetch."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Mode = Literal["full", "incremental"]


@dataclass(frozen=True)
class SourcePlan:
    """Each source turns it into its own request (its ``source.py``): a date filter, a query term."""

    source: str
    mode: Mode
    reason: str
    from_watermark: str | None = None  # the last good watermark this pull starts from (YYYY-MM-DD)
    since: str | None = None  # first day asked for (watermark minus the overlap), YYYY-MM-DD
    drift_ids: tuple[str, ...] = ()  # oldest-read record keys re-fetched by key

    @property
    def incremental_since(self) -> str | None:
        """The first day an incremental pull asks for; None for a full pull (no date filter)."""
        return None if self.mode == "full" else self.since

    def as_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["drift_ids"] = list(self.drift_ids)
        record["n_drift_ids"] = len(self.drift_ids)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> SourcePlan:
        """Back from the plain dict a Prefect task passed along."""
        fields = {k: record.get(k) for k in ("source", "mode", "reason", "from_watermark", "since")}
        return cls(**fields, drift_ids=tuple(record.get("drift_ids") or ()))
