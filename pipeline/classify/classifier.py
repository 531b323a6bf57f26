"""Assign treatment classes to trials (and later publications) from the terms in config.yaml.

Classes are data, not code: reviewers change config.yaml, not this module. Every match is kept with
the field, the configured term and the surrounding text, so an analyst can see why a trial is in a
class and argue with it; parent classes are added with the child class as their reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from pipeline.classify.controls import TrialControls
from pipeline.classify.cues import ContextCues, GenericNames, Provocation
from pipeline.classify.field_hits import INTERVENTION, PROSE_FIELDS, FieldHit
from pipeline.classify.later_tiers import STRENGTH_RANK, LaterTiers
from pipeline.classify.match import CHILD_CLASS, Match
from pipeline.classify.mesh_match import MeshHit, MeshMatcher, MeshRow
from pipeline.classify.one_pass import OnePassMatcher, TextHit
from pipeline.classify.terms import TermSet, snippet
from pipeline.classify.trial_batch import classify_trial_record
from pipeline.classify.trial_parts import Arm, Intervention
from pipeline.config import ClassifierSettings, Settings, TreatmentClass
from pipeline.errors import ClassifyError, ConfigError
from pipeline.sources.ctgov.classify import classify_ctgov_tables

__all__ = ["CHILD_CLASS", "Classifier", "ClassifyError", "Match", "classify_ctgov_tables"]

# In free-text descriptions, a term this close after a control word ("placebo matching erenumab",
# "sham gammaCore") describes the control, not the therapy under test.
CONTROL_LOOKBACK_CHARS = 30
_SENTENCE_END = re.compile(r"[.;!?]")


class Classifier:
    """Compiled once per run from the settings; stateless afterwards, so one instance serves all trials."""

    def __init__(
        self,
        classes: Mapping[str, TreatmentClass],
        control_terms: Sequence[str],
        rules: ClassifierSettings | None = None,
    ) -> None:
        """``rules``: the cue words of the later tiers (defaults: ClassifierSettings's) with
        ``control_terms`` as its control words."""
        self._terms: dict[str, TermSet] = {}
        for name, tc in classes.items():
            try:
                self._terms[name] = TermSet(tc.terms)
            except ValueError as exc:
                raise ConfigError(f"treatment_classes.{name}.terms: {exc}") from None
        self._parents = {name: tc.parent for name, tc in classes.items()}
        for name in classes:
            _check_parent_chain(name, self._parents)
        self._lineage = {name: _lineage(name, self._parents) for name in classes}
        self._types = {
            name: frozenset(tc.intervention_types) if tc.intervention_types else None
            for name, tc in classes.items()
        }
        try:
            self._controls = TermSet(list(control_terms)) if control_terms else None
        except ValueError as exc:
            raise ConfigError(f"classifier.control_terms: {exc}") from None
        self._matcher = OnePassMatcher(self._terms)
        self._control_matcher = OnePassMatcher({"control": self._controls}) if self._controls else None
        rules = (rules or ClassifierSettings()).model_copy(update={"control_terms": list(control_terms)})
        self.mesh = MeshMatcher(classes)
        self.later = LaterTiers(self._types, ContextCues(rules), Provocation(rules))
        self.generic_names = GenericNames(rules.generic_intervention_words)

    @classmethod
    def from_settings(cls, settings: Settings) -> Classifier:
        return cls(settings.treatment_classes, settings.classifier.control_terms, settings.classifier)

    @property
    def class_names(self) -> list[str]:
        return list(self._terms)

    def names_a_control(self, text: str) -> bool:
        return self._controls is not None and self._may_name_a_control(text) and self._controls.search(text)

    def _may_name_a_control(self, text: str) -> bool:
        """False when no control word can be in ``text`` (its anchors are not there): no regex search."""
        return self._control_matcher is not None and self._control_matcher.may_match(text)

    def name_controls(self, texts: Sequence[str | None]) -> list[bool]:
        """``names_a_control`` for a whole column of texts, in one pass."""
        flags = [False] * len(texts)
        if self._control_matcher is not None:
            for hit in self._control_matcher.find(texts):
                flags[hit.text_index] = True
        return flags

    def find_terms(self, texts: Sequence[str | None]) -> list[TextHit]:
        """Every class term in a column of texts (any field), before any control or type rule."""
        return self._matcher.find(texts)

    def classify_text_fields(self, fields: Iterable[tuple[str, str]]) -> list[Match]:
        """Publications: plain term matching over named texts (no control logic, no type filter)."""
        named = [(field, text) for field, text in fields if text]
        found = []
        for hit in self.find_terms([text for _, text in named]):
            field, text = named[hit.text_index]
            found.append(Match(hit.name, field, hit.term, snippet(text, hit.start, hit.end)))
        return self.with_ancestors(found)

    def classify_trial(
        self,
        interventions: Sequence[Mapping[str, object]],
        arms: Sequence[Mapping[str, object]],
        trial: Mapping[str, object] | None = None,
        meshes: Sequence[Mapping[str, object]] = (),
    ) -> list[Match]:
        """One trial's matches, rows keyed like the ctgov tables: its non-control interventions and
        arms (intervention name, other names, description; arm label, description) honouring
        intervention_types, and its MeSH rows; then, if those give no class, ``trial``'s titles and
        brief summary (pipeline/classify/later_tiers.py)."""
        return classify_trial_record(self, interventions, arms, trial, meshes)

    def trial_matches(
        self,
        hits: Iterable[FieldHit],
        interventions: Sequence[Intervention],
        arms: Sequence[Arm],
        controls: TrialControls,
    ) -> list[Match]:
        """``first_tier``'s matches plus every parent class of what matched."""
        return self.with_ancestors(self.first_tier(hits, interventions, arms, controls)[0])

    def first_tier(
        self,
        hits: Iterable[FieldHit],
        interventions: Sequence[Intervention],
        arms: Sequence[Arm],
        controls: TrialControls,
        provoked: bool = False,
    ) -> tuple[list[Match], frozenset[str]]:
        """The trial's terms that count: not in a control, admitted by the class's intervention_types
        (an intervention's own type, or the types an arm gives; none known admits every class), in
        prose not right after a control word, and (in a provocation study, ``provoked``) not naming
        the agent it infuses. Also the classes named only in controls."""
        found: list[Match] = []
        in_controls: set[str] = set()
        for part, index, field, text, hit in hits:
            if part == INTERVENTION:
                if controls.intervention_is_control[index]:
                    in_controls.add(hit.name)
                    continue
                kind = interventions[index].kind
                kinds: set[str] | frozenset[str] = {kind} if kind else set()
            else:
                if controls.arm_is_control[index]:
                    in_controls.add(hit.name)
                    continue
                kinds = controls.arm_types[index]
            types = self._types[hit.name]
            if kinds and types is not None and not kinds & types:
                continue
            if field in PROSE_FIELDS and self._follows_control_word(text, hit.start):
                in_controls.add(hit.name)
                continue
            if provoked and self.later.provocation.names_agent(text[hit.start : hit.end]):
                continue
            found.append(Match(hit.name, field, hit.term, snippet(text, hit.start, hit.end)))
        return found, frozenset(in_controls - {m.treatment_class for m in found})

    def mesh_hits(self, rows: Sequence[MeshRow]) -> list[list[MeshHit]]:
        """Each MeSH row's classes (pipeline/classify/mesh_match.py), before the trial's rules."""
        return self.mesh.find(rows, self.find_terms)

    def _follows_control_word(self, text: str, start: int) -> bool:
        window = text[max(0, start - CONTROL_LOOKBACK_CHARS) : start]
        if not self._may_name_a_control(window):  # most windows: no control word's anchor at all
            return False
        window = _SENTENCE_END.split(window)[-1]
        return self.names_a_control(window)

    def with_ancestors(self, found: list[Match]) -> list[Match]:
        """Dedupe (keeping first-seen order), then add one row per parent naming the child it came from,
        with the strongest match_strength of the child's own matches."""
        result = dict.fromkeys(found)
        best: dict[str, str] = {}
        for m in found:
            known = best.get(m.treatment_class)
            if known is None or STRENGTH_RANK[m.match_strength] < STRENGTH_RANK[known]:
                best[m.treatment_class] = m.match_strength
        for name, strength in best.items():
            for child, parent in self._lineage[name]:
                result.setdefault(Match(parent, CHILD_CLASS, child, None, strength))
        return list(result)


def _lineage(name: str, parents: Mapping[str, str | None]) -> tuple[tuple[str, str], ...]:
    """(child, parent) of each step from ``name`` up to its root class."""
    steps = []
    child, parent = name, parents[name]
    while parent is not None:
        steps.append((child, parent))
        child, parent = parent, parents[parent]
    return tuple(steps)


def _check_parent_chain(name: str, parents: Mapping[str, str | None]) -> None:
    """Settings validate this too; repeated here because a Classifier can be built from bare classes."""
    seen = {name}
    parent = parents[name]
    while parent is not None:
        if parent not in parents:
            raise ConfigError(f"treatment_classes.{name}.parent: unknown class {parent!r}")
        if parent in seen:
            raise ConfigError(f"treatment_classes.{name}.parent: cycle through {parent!r}")
        seen.add(parent)
        parent = parents[parent]
