"""Classes from a trial's MeSH, titles and summary: evidence weaker than its interventions and arms.

Tiers, strongest first (``config.MATCH_STRENGTHS``): a trial's interventions and arms (the classifier's
own rules), with the MeSH terms the registry derived for them; only when those give the trial no class
at all, its brief and official titles; only when the titles give none either, its brief summary, and
only if the trial registers no active intervention or generically named ones ("Drug", "Device"), as a
summary otherwise mostly names other therapies as background. Every match keeps its strength, so the
evidence tables can leave weak ones out (classifier.min_match_strength).

The rules a mention must pass, each stated where it is checked: a class restricted to intervention
types needs a trial whose active interventions or arms are of one of them (or of no known type); a MeSH
term of a class named only in the trial's controls is the control's; in a provocation study a term
naming the infused agent itself does not count; in titles and summaries the words around a mention
decide whether it is the comparator, background or a control (``cues.ContextCues``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

from pipeline.classify.cues import ContextCues, Provocation
from pipeline.classify.match import Match
from pipeline.classify.mesh_match import MeshHit
from pipeline.classify.one_pass import TextHit
from pipeline.classify.terms import snippet
from pipeline.config import MATCH_STRENGTHS

INTERVENTION, MESH, TITLE, SUMMARY = MATCH_STRENGTHS
STRENGTH_RANK = {strength: rank for rank, strength in enumerate(MATCH_STRENGTHS)}
TITLE_FIELDS = ("trial.brief_title", "trial.official_title")
SUMMARY_FIELD = "trial.brief_summary"


class TextEvidence(NamedTuple):
    """One title or summary of a trial, with the class terms and cue words found in it."""

    field: str
    text: str
    hits: Sequence[TextHit]
    cues: Sequence[TextHit]


class TrialView(NamedTuple):
    """What the later tiers need to know of a trial's interventions and arms."""

    kinds: frozenset[str]  # intervention types its active interventions and arms give; empty: unknown
    control_classes: frozenset[str]  # classes its interventions and arms name only in controls


class Verdict(NamedTuple):
    """A title or summary mention and why it does not count (None: it counts)."""

    treatment_class: str
    term: str
    text: str
    reason: str | None


class LaterTiers:
    """Compiled once with the classifier; stateless afterwards."""

    def __init__(
        self, types: Mapping[str, frozenset[str] | None], cues: ContextCues, provocation: Provocation
    ) -> None:
        self._types = types
        self.cues = cues
        self.provocation = provocation

    def restricted(self, name: str) -> bool:
        """Whether the class counts only for some intervention types."""
        return self._types[name] is not None

    def admits(self, name: str, kinds: frozenset[str]) -> bool:
        types = self._types[name]
        return not kinds or types is None or bool(kinds & types)

    def mesh_matches(self, hits: Iterable[MeshHit], view: TrialView, provoked: bool) -> list[Match]:
        return [
            Match(hit.name, hit.field, hit.term, hit.text, MESH)
            for hit in hits
            if hit.name not in view.control_classes
            and self.admits(hit.name, view.kinds)
            and not (provoked and self.provocation.names_agent(hit.span))
        ]

    def verdicts(self, evidence: TextEvidence, view: TrialView, provoked: bool) -> Iterator[Verdict]:
        """Every class mention in one title or summary, with the reason it is discarded, if any."""
        for hit in evidence.hits:
            span = evidence.text[hit.start : hit.end]
            if not self.admits(hit.name, view.kinds):
                reason: str | None = "the trial's interventions are of other types"
            elif provoked and self.provocation.names_agent(span):
                reason = "names the agent a provocation study infuses"
            else:
                reason = self.cues.reason(evidence.text, hit.start, hit.end, evidence.cues)
            text = snippet(evidence.text, hit.start, hit.end)
            yield Verdict(hit.name, hit.term, text, reason)

    def text_matches(
        self, evidence: Iterable[TextEvidence], view: TrialView, provoked: bool, strength: str
    ) -> list[Match]:
        return [
            Match(verdict.treatment_class, ev.field, verdict.term, verdict.text, strength)
            for ev in evidence
            for verdict in self.verdicts(ev, view, provoked)
            if verdict.reason is None
        ]
