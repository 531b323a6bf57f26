"""Assign treatment classes to trials (and later publications) from the terms in config.yaml.

Classes are data, not code: reviewers change config.yaml, not this module. Every match is kept with
the field, the configured term and the surrounding text, so an analyst can see why a trial is in a
class and argue with it; parent classes are added with the child class as their reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from pipeline.classify.controls import find_controls
from pipeline.classify.terms import TermSet, snippet
from pipeline.classify.trial_parts import read_arm, read_intervention
from pipeline.config import Settings, TreatmentClass
from pipeline.errors import ClassifyError, ConfigError
from pipeline.sources.ctgov.classify import classify_ctgov_tables

__all__ = ["Classifier", "ClassifyError", "Match", "classify_ctgov_tables"]

CHILD_CLASS = "child_class"
# In free-text descriptions, a term this close after a control word ("placebo matching erenumab",
# "sham gammaCore") describes the control, not the therapy under test.
CONTROL_LOOKBACK_CHARS = 30
_SENTENCE_END = re.compile(r"[.;!?]")


@dataclass(frozen=True)
class Match:
    treatment_class: str
    matched_field: str  # e.g. intervention.name, arm.label, title, child_class
    matched_term: str  # the configured term, or the child class for a parent row
    matched_text: str | None  # the matched words in context; None for parent rows


class Classifier:
    """Compiled once per run from the settings; stateless afterwards, so one instance serves all trials."""

    def __init__(self, classes: Mapping[str, TreatmentClass], control_terms: Sequence[str]) -> None:
        self._terms: dict[str, TermSet] = {}
        for name, tc in classes.items():
            try:
                self._terms[name] = TermSet(tc.terms)
            except ValueError as exc:
                raise ConfigError(f"treatment_classes.{name}.terms: {exc}") from None
        self._parents = {name: tc.parent for name, tc in classes.items()}
        for name in classes:
            _check_parent_chain(name, self._parents)
        self._types = {
            name: frozenset(tc.intervention_types) if tc.intervention_types else None
            for name, tc in classes.items()
        }
        try:
            self._controls = TermSet(list(control_terms)) if control_terms else None
        except ValueError as exc:
            raise ConfigError(f"classifier.control_terms: {exc}") from None

    @classmethod
    def from_settings(cls, settings: Settings) -> Classifier:
        return cls(settings.treatment_classes, settings.classifier.control_terms)

    @property
    def class_names(self) -> list[str]:
        return list(self._terms)

    def names_a_control(self, text: str) -> bool:
        return self._controls is not None and self._controls.search(text)

    def classify_text_fields(self, fields: Iterable[tuple[str, str]]) -> list[Match]:
        """Publications: plain term matching over named texts (no control logic, no type filter)."""
        found: list[Match] = []
        for field, text in fields:
            if text:
                found.extend(self._match(field, text, self._terms))
        return self._with_ancestors(found)

    def classify_trial(
        self, interventions: Sequence[Mapping[str, object]], arms: Sequence[Mapping[str, object]]
    ) -> list[Match]:
        """Matches in the trial's non-control interventions and arms, honouring intervention_types.

        Fields read: intervention name, other names and description; arm label and description.
        """
        ivs = [read_intervention(row) for row in interventions]
        arm_rows = [read_arm(row) for row in arms]
        controls = find_controls(ivs, arm_rows, self.names_a_control)
        found: list[Match] = []
        for iv, is_control in zip(ivs, controls.intervention_is_control, strict=True):
            if is_control:
                continue
            terms = self._allowed({iv.kind} if iv.kind else set())
            found.extend(self._match("intervention.name", iv.name, terms))
            for other in iv.other_names:
                found.extend(self._match("intervention.other_name", other, terms))
            found.extend(self._match("intervention.description", iv.description, terms, in_prose=True))
        for arm, is_control, kinds in zip(arm_rows, controls.arm_is_control, controls.arm_types, strict=True):
            if is_control:
                continue
            terms = self._allowed(kinds)
            found.extend(self._match("arm.label", arm.label, terms))
            found.extend(self._match("arm.description", arm.description, terms, in_prose=True))
        return self._with_ancestors(found)

    def _allowed(self, kinds: set[str] | frozenset[str]) -> dict[str, TermSet]:
        """Classes whose intervention_types admit these types; unknown types (empty) admit every class."""
        return {
            name: terms
            for name, terms in self._terms.items()
            if not kinds or self._types[name] is None or kinds & self._types[name]
        }

    def _match(
        self, field: str, text: str, terms: Mapping[str, TermSet], in_prose: bool = False
    ) -> Iterator[Match]:
        if not text:
            return
        for name, term_set in terms.items():
            for hit in term_set.finditer(text):
                if in_prose and self._follows_control_word(text, hit.start):
                    continue
                yield Match(name, field, hit.term, snippet(text, hit.start, hit.end))

    def _follows_control_word(self, text: str, start: int) -> bool:
        window = text[max(0, start - CONTROL_LOOKBACK_CHARS) : start]
        window = _SENTENCE_END.split(window)[-1]
        return self.names_a_control(window)

    def _with_ancestors(self, found: list[Match]) -> list[Match]:
        """Dedupe (keeping first-seen order), then add one row per parent naming the child it came from."""
        result = list(dict.fromkeys(found))
        for child in dict.fromkeys(m.treatment_class for m in found):
            parent = self._parents[child]
            while parent is not None:
                result.append(Match(parent, CHILD_CLASS, child, None))
                child, parent = parent, self._parents[parent]
        return list(dict.fromkeys(result))


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
