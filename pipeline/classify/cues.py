"""Why a therapy named in a title or summary is not what the trial tests: the words around it.

A title names comparators ("Rimegepant versus sumatriptan"), the participants' history ("in patients
who failed botulinum toxin", "triptan-resistant migraine") and controls ("placebo-matching erenumab")
as readily as the therapy under test. The cue words are configured (classifier.*_cues); the rules are
positional and stated once here, so every discarded mention has a one-line reason:

- a comparator or background cue before the mention, in the same sentence;
- a trailing background cue directly after it ("triptan-resistant", "triptan non-responders");
- a control word right before it, at most two linking words apart ("sham gammaCore", "placebo to match
  erenumab"); a design phrase ("placebo-controlled study of erenumab") is not a control of the therapy.

A sentence ends at . ; : ! or ? followed by a space or the end (a period right after a cue such as "vs."
does not end one). Commas do not: "failed topiramate, propranolol or botulinum toxin" lists history.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.classify.one_pass import OnePassMatcher, TextHit
from pipeline.classify.terms import TermSet
from pipeline.config import ClassifierSettings
from pipeline.errors import ConfigError

COMPARATOR, BACKGROUND, TRAILING, CONTROL = "comparator", "background", "trailing", "control"
# Settings key of each cue set, for error messages and reasons.
CUE_KEYS = {
    COMPARATOR: "comparator_cues",
    BACKGROUND: "background_cues",
    TRAILING: "trailing_background_cues",
    CONTROL: "control_terms",
}
# Words that may stand between a control word and the therapy it imitates ("placebo to match X").
LINKING_WORDS = frozenset({"matching", "matched", "match", "to", "for", "of", "the", "a", "an"})
MAX_LINKING_WORDS = 2
_SENTENCE_END = re.compile(r"[.;:!?](?=\s|$)")
_WORD = re.compile(r"[^\W_]+")
_ADJACENT = re.compile(r"[\s\-\u2010-\u2015/]*")


def compile_terms(words: Sequence[str], key: str) -> TermSet | None:
    try:
        return TermSet(list(words)) if words else None
    except ValueError as exc:
        raise ConfigError(f"classifier.{key}: {exc}") from None


class ContextCues:
    """The cue words of titles and summaries, found in a whole column of texts in one pass."""

    def __init__(self, settings: ClassifierSettings) -> None:
        words = {
            COMPARATOR: settings.comparator_cues,
            BACKGROUND: settings.background_cues,
            TRAILING: settings.trailing_background_cues,
            CONTROL: settings.control_terms,
        }
        sets = {name: compile_terms(w, CUE_KEYS[name]) for name, w in words.items()}
        self._matcher = OnePassMatcher({name: s for name, s in sets.items() if s is not None})

    def find(self, texts: Sequence[str | None]) -> list[TextHit]:
        return self._matcher.find(texts)

    def reason(self, text: str, start: int, end: int, cues: Sequence[TextHit]) -> str | None:
        """Why the mention at ``text[start:end]`` is not the trial's therapy, or None when it may be.
        ``cues``: this text's cue hits (``find``), in text order."""
        sentence = _sentence_start(text, start, cues)
        for cue in cues:
            if cue.name == TRAILING:
                if cue.start >= end and _ADJACENT.fullmatch(text, end, cue.start):
                    return f"followed by background cue {cue.term!r}"
                continue
            if cue.end > start or cue.start < sentence:
                continue
            if cue.name == CONTROL:
                between = _WORD.findall(text, cue.end, start)
                if len(between) <= MAX_LINKING_WORDS and all(w.lower() in LINKING_WORDS for w in between):
                    return f"after control word {cue.term!r}"
                continue
            kind = "comparator" if cue.name == COMPARATOR else "background"
            return f"after {kind} cue {cue.term!r}"
        return None


def _sentence_start(text: str, start: int, cues: Sequence[TextHit]) -> int:
    """Offset where the sentence holding ``start`` begins."""
    cue_ends = {cue.end for cue in cues}
    begin = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        if m.start() not in cue_ends:
            begin = m.end()
    return begin


class Provocation:
    """Provocation studies: the agents they infuse and the cue words that reveal them."""

    def __init__(self, settings: ClassifierSettings) -> None:
        self._agents = compile_terms(settings.provocation_agents, "provocation_agents")
        self._named: dict[str, bool] = {}  # span -> names an agent: the same few spans recur
        cues = compile_terms(settings.provocation_cues, "provocation_cues")
        self._cues = OnePassMatcher({"provocation": cues}) if cues is not None else None

    def names_agent(self, span: str) -> bool:
        """Whether a matched class term names a provocation agent itself (all of it: "PACAP", not
        "anti-PACAP")."""
        if self._agents is None:
            return False
        named = self._named.get(span)
        if named is None:
            named = self._named[span] = self._agents.names(span)
        return named

    def texts_with_cue(self, texts: Sequence[str | None]) -> set[int]:
        """Indexes of the texts that use a provocation cue."""
        if self._cues is None:
            return set()
        return {hit.text_index for hit in self._cues.find(texts)}


class GenericNames:
    """Intervention names that name nothing specific ("Drug", "Active treatment 2")."""

    def __init__(self, words: Sequence[str]) -> None:
        self._words = frozenset(w.casefold() for word in words for w in _WORD.findall(word))

    def is_generic(self, name: str) -> bool:
        return all(w.isdigit() or w.casefold() in self._words for w in _WORD.findall(name))
