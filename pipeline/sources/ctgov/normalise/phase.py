"""Trial phase: the registry's ``phases`` list folded into one comparable value.

ClinicalTrials.gov stores a phase 2/3 trial as ``["PHASE2", "PHASE3"]``; analyses want one value per
trial, so the two combinations the registry allows become ``PHASE1/PHASE2`` and ``PHASE2/PHASE3``.
Anything else (an unknown value, an impossible combination) gives no phase and is reported, never
guessed: the raw list stays in ``phases_raw``.
"""

from __future__ import annotations

from typing import Any

# Registry order: used to sort a combination so ["PHASE3", "PHASE2"] reads the same as the reverse.
SINGLE_PHASES: tuple[str, ...] = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
COMBINED_PHASES: dict[tuple[str, ...], str] = {
    ("PHASE1", "PHASE2"): "PHASE1/PHASE2",
    ("PHASE2", "PHASE3"): "PHASE2/PHASE3",
}
CANONICAL_PHASES: tuple[str, ...] = (*SINGLE_PHASES[:3], "PHASE1/PHASE2", "PHASE2/PHASE3", *SINGLE_PHASES[3:])

_RANK = {p: i for i, p in enumerate(SINGLE_PHASES)}
_SINGLE = frozenset(SINGLE_PHASES)


def canonical_phase(phases: list[Any] | None) -> tuple[str | None, str | None]:
    """Return (phase, unknown) where ``unknown`` is the ``phases=...`` token to report, if any.

    A missing or empty list is not an error: observational studies have no phase.
    """
    if not phases:
        return None, None
    if len(phases) == 1:
        only = phases[0]
        if only in _SINGLE:
            return only, None
        return None, f"phases={only}"
    if all(p in _RANK for p in phases):
        key = tuple(sorted(set(phases), key=_RANK.__getitem__))
        combined = COMBINED_PHASES.get(key) if len(key) > 1 else key[0]
        if combined is not None:
            return combined, None
    return None, "phases=" + ",".join(str(p) for p in phases)
