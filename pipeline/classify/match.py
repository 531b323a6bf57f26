"""One reason a record belongs to a class, as the classifier tables store it."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.config import MATCH_STRENGTHS

CHILD_CLASS = "child_class"


@dataclass(frozen=True)
class Match:
    treatment_class: str
    matched_field: str  # e.g. intervention.name, arm.label, mesh.descriptor, trial.brief_title, child_class
    matched_term: str  # the configured term (or MeSH name or id), or the child class for a parent row
    matched_text: str | None  # the matched words in context; None for parent rows
    # intervention, mesh, title or summary (trials only); a parent row has its child's strongest.
    match_strength: str = MATCH_STRENGTHS[0]
