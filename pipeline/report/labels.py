"""Display order, wording and colours shared by every chart and table, so a phase or status group looks
the same wherever it appears."""

from __future__ import annotations

# Phases as stored in the warehouse (trials.phase), in clinical order; None is "no phase registered".
PHASES: tuple[str | None, ...] = (
    "EARLY_PHASE1",
    "PHASE1",
    "PHASE1/PHASE2",
    "PHASE2",
    "PHASE2/PHASE3",
    "PHASE3",
    "PHASE4",
    "NA",
    None,
)
PHASE_LABELS: dict[str | None, str] = {
    "EARLY_PHASE1": "Early phase 1",
    "PHASE1": "Phase 1",
    "PHASE1/PHASE2": "Phase 1/2",
    "PHASE2": "Phase 2",
    "PHASE2/PHASE3": "Phase 2/3",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "Not applicable",
    None: "Not given",
}
# Light to dark with the phase; "not applicable" (devices, behavioural) and "not given" in greys.
PHASE_COLOURS = (
    "#b3d1ea",
    "#8dbbe0",
    "#69a3d3",
    "#4a8bc4",
    "#3272ae",
    "#215a93",
    "#143f6c",
    "#a1978a",
    "#cfc8bc",
)

STATUS_GROUPS: tuple[str, ...] = ("ongoing", "completed", "ended_early", "other")
STATUS_GROUP_LABELS = {
    "ongoing": "Ongoing",
    "completed": "Completed",
    "ended_early": "Ended early",
    "other": "Other / unknown",
}
STATUS_GROUP_COLOURS = ("#2f7ebc", "#3a9a5b", "#d1603d", "#a7a39b")
# Registry statuses in the order a reader scans them: running, done, stopped, the rest.
STATUSES: tuple[str, ...] = (
    "NOT_YET_RECRUITING",
    "RECRUITING",
    "ENROLLING_BY_INVITATION",
    "ACTIVE_NOT_RECRUITING",
    "COMPLETED",
    "SUSPENDED",
    "TERMINATED",
    "WITHDRAWN",
    "UNKNOWN",
)

EN_DASH = "\u2013"  # ranges ("25-49") and missing values, as typeset text has them
NOT_GIVEN = "Not given"
# Enrollment bands (lower bound inclusive) as the distribution chart shows them.
ENROLLMENT_BANDS: tuple[tuple[int, str], ...] = (
    (0, "0"),
    (1, f"1{EN_DASH}24"),
    (25, f"25{EN_DASH}49"),
    (50, f"50{EN_DASH}99"),
    (100, f"100{EN_DASH}249"),
    (250, f"250{EN_DASH}499"),
    (500, f"500{EN_DASH}999"),
    (1000, "1,000+"),
)

# One colour per class (config order), for its section, its navigation entry and its own charts.
CLASS_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b6992d",
    "#499894",
    "#e15759",
    "#79706e",
    "#d37295",
    "#b07aa1",
    "#9d7660",
    "#8cd17d",
    "#86bcb6",
    "#ff9d9a",
    "#a0cbe8",
    "#ffbe7d",
    "#f1ce63",
    "#bab0ac",
    "#d4a6c8",
    "#fabfd2",
    "#d7b5a6",
)


def phase_label(phase: str | None) -> str:
    """A missing phase may arrive as None or, from pandas, as NaN."""
    if not isinstance(phase, str):
        return NOT_GIVEN
    return PHASE_LABELS.get(phase, phase)


def phase_rank(phase: str | None) -> int:
    return PHASES.index(phase) if phase in PHASES else len(PHASES)


def status_label(status: str | None) -> str:
    """RECRUITING -> Recruiting; ACTIVE_NOT_RECRUITING -> Active, not recruiting."""
    if not isinstance(status, str) or not status:
        return NOT_GIVEN
    if status == "ACTIVE_NOT_RECRUITING":
        return "Active, not recruiting"
    return status.replace("_", " ").capitalize()


def status_rank(status: str | None) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


def class_colour(sort_order: int) -> str:
    return CLASS_PALETTE[sort_order % len(CLASS_PALETTE)]
