"""One reason a record belongs to a class, as the classifier tables store it."""

from __future__ import annotations

from typing import NamedTuple

from pipeline.config import MATCH_STRENGTHS

CHILD_CLASS = "child_class"


class Match(NamedTuple):
    """A tuple, not a dataclass: a chunk of trials makes ~10^4 of them, deduplicated and sorted, and a
    tuple hashes and compares in C (a frozen dataclass's generated ``__hash__`` runs in Python)."""

    treatment_class: str
    matched_field: str  # e.g. intervention.name, arm.label, mesh.descriptor, trial.brief_title, child_class
    matched_term: str  # the configured term (or MeSH name or id), or the child class for a parent row
    matched_text: str | None  # the matched words in context; None for parent rows
    # intervention, mesh, title or summary (trials only); a parent row has its child's strongest.
    match_strength: str = MATCH_STRENGTHS[0]
