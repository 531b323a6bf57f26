"""Overall status: the registry's value kept as is, plus a coarse group every analysis can rely on.

The groups answer "is this trial still running, done, or stopped early?". Expanded-access statuses
(AVAILABLE, ...) and UNKNOWN (the sponsor stopped updating) say nothing about that, so they go to
``other``, as does a missing status. An unrecognised status also goes to ``other`` but is reported.
"""

from __future__ import annotations

from typing import Any

ONGOING = "ongoing"
COMPLETED = "completed"
ENDED_EARLY = "ended_early"
OTHER = "other"

STATUS_GROUPS: dict[str, str] = {
    "NOT_YET_RECRUITING": ONGOING,
    "RECRUITING": ONGOING,
    "ENROLLING_BY_INVITATION": ONGOING,
    "ACTIVE_NOT_RECRUITING": ONGOING,
    "COMPLETED": COMPLETED,
    "TERMINATED": ENDED_EARLY,
    "WITHDRAWN": ENDED_EARLY,
    "SUSPENDED": ENDED_EARLY,
    "UNKNOWN": OTHER,
    # Expanded-access records (studyType EXPANDED_ACCESS) use these instead of recruitment statuses.
    "AVAILABLE": OTHER,
    "NO_LONGER_AVAILABLE": OTHER,
    "TEMPORARILY_NOT_AVAILABLE": OTHER,
    "APPROVED_FOR_MARKETING": OTHER,
    "WITHHELD": OTHER,
}


def status_group(overall_status: Any) -> tuple[str, str | None]:
    """Return (group, unknown) where ``unknown`` is the ``overallStatus=...`` token to report, if any."""
    if overall_status is None:
        return OTHER, None
    group = STATUS_GROUPS.get(overall_status)
    if group is None:
        return OTHER, f"overallStatus={overall_status}"
    return group, None
