"""The endpoint taxonomy of config.yaml compiled once per run, and the match of one text against it.

Terms match as class terms do (pipeline/classify/terms.py: whole words, forgiving about spaces, hyphens
and plurals). Registry titles also carry symbols ("≥50%", "(MMD)"), so those are read as spaces first;
the replacement keeps every character position, so the snippet shown to the analyst is the raw text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.classify.terms import TermMatch, TermSet, snippet, term_tokens
from pipeline.config import OTHER_ENDPOINT, Endpoint, EndpointSettings, Settings
from pipeline.errors import ConfigError
from pipeline.outcomes.time_windows import stated_hours

# A title of at most this many words (of three letters or more) says too little to map alone.
BARE_TITLE_WORDS = 3
_WORDS = re.compile(r"[^\W\d_]{3,}")
_SYMBOLS = str.maketrans({c: " " for c in "%≥≤<>=()[]{},;:'\"*+~"})


def blank_symbols(text: str) -> str:
    """Symbols become spaces, one for one, so match positions stay valid in the raw text."""
    return text.translate(_SYMBOLS)


@dataclass(frozen=True)
class EndpointMatch:
    code: str
    rule: str | None  # "<code>: <rule name>"; None for other
    field: str | None
    terms: list[str] | None
    text: str | None
    note: str | None = None  # a rule that matched but was not taken, and why


OTHER = EndpointMatch(OTHER_ENDPOINT, None, None, None, None)


def _anchor(term: str) -> str:
    """A word every match of the term contains, lowercased: its longest token (a final -y cut, since
    "therapy" also matches "therapies")."""
    *head, last = (t.lower() for t in term_tokens(term))
    if last.isalpha() and len(last) > 2 and last[-1] == "y" and last[-2] not in "aeiou":
        last = last[:-1]
    return max([*head, last], key=len)


class _Terms:
    """A TermSet behind a cheap necessary condition (one of its anchors is in the lowercased text): most
    texts fail it, and a set test costs far less than the regular expression."""

    def __init__(self, terms: list[str]) -> None:
        self.terms = TermSet(terms)
        self.anchors = frozenset(_anchor(t) for t in terms)

    def find(self, blanked: str, present: frozenset[str]) -> list[TermMatch]:
        """``present``: the anchors (of the whole taxonomy) found in the text, see ``_Anchors``."""
        if self.anchors.isdisjoint(present):
            return []
        return self.terms.finditer(blanked)


class _Anchors:
    """Every anchor of a set of term sets, tested once per text: which of them the lowercased text
    contains (a substring test each, so overlapping anchors are all found, as a regex would not)."""

    def __init__(self, term_sets: list[_Terms]) -> None:
        self.anchors = tuple(sorted({a for t in term_sets for a in t.anchors}))

    def present(self, lowered: str) -> frozenset[str]:
        return frozenset(a for a in self.anchors if a in lowered)


class _Rule:
    def __init__(self, code: str, name: str, groups: list[list[str]], exclude: list[str]) -> None:
        self.label = f"{code}: {name}"
        self.groups = [_Terms(g) for g in groups]
        self.exclude = _Terms(exclude) if exclude else None

    @property
    def term_sets(self) -> list[_Terms]:
        return [*self.groups, *([self.exclude] if self.exclude is not None else [])]

    def match(self, blanked: str, present: frozenset[str]) -> list[TermMatch] | None:
        found = []
        for group in self.groups:
            hit = group.find(blanked, present)
            if not hit:
                return None
            found.append(hit[0])
        if self.exclude is not None and self.exclude.find(blanked, present):
            return None
        return found


class Taxonomy:
    """Compiled endpoints (config order), population terms and control terms; stateless after building."""

    def __init__(self, endpoints: EndpointSettings, control_terms: list[str]) -> None:
        self.definitions: dict[str, Endpoint] = dict(endpoints.definitions)
        self._rules: list[tuple[str, Endpoint, _Rule]] = []
        try:
            for code, endpoint in self.definitions.items():
                for rule in endpoint.rules:
                    self._rules.append((code, endpoint, _Rule(code, rule.name, rule.all_of, rule.none_of)))
            self._population_of = {
                term: name for name, terms in endpoints.populations.items() for term in terms
            }
            self._populations = _Terms(list(self._population_of))
            self._rule_anchors = _Anchors([t for _, _, rule in self._rules for t in rule.term_sets])
            self._population_anchors = _Anchors([self._populations])
            self.controls = TermSet(control_terms) if control_terms else None
        except ValueError as exc:
            raise ConfigError(f"endpoints: {exc}") from None

    @classmethod
    def from_settings(cls, settings: Settings) -> Taxonomy:
        if settings.endpoints is None:
            raise ConfigError("config has no `endpoints` section: the outcome tables need the taxonomy")
        return cls(settings.endpoints, list(settings.classifier.control_terms))

    def endpoint(self, code: str) -> Endpoint:
        return self.definitions[code]

    def classify(self, title: str | None, description: str | None, time_frame: str | None) -> EndpointMatch:
        """The first endpoint whose rule matches the title. The description is read only for a bare title
        ("Primary Outcome", "Efficacy"): descriptions mention other endpoints in passing ("participants
        given rescue medication count as non-responders"), and a descriptive title that matches no rule
        names some other outcome."""
        rejected: list[str] = []
        fields = [("title", title)]
        if self.reads_description(title):
            fields.append(("description", description))
        for field, text in fields:
            if not text:
                continue
            blanked = blank_symbols(text)
            present = self._rule_anchors.present(blanked.lower())
            for code, endpoint, rule in self._rules:
                found = rule.match(blanked, present)
                if found is None:
                    continue
                if endpoint.at_hours is not None:
                    hours = stated_hours(text) | stated_hours(time_frame or "")
                    if hours and endpoint.at_hours not in hours:
                        shown = ", ".join(f"{h:g}" for h in sorted(hours))
                        rejected.append(
                            f"{rule.label} matched but the outcome states {shown} h, not "
                            f"{endpoint.at_hours:g} h"
                        )
                        continue
                start = min(m.start for m in found)
                end = max(m.end for m in found)
                note = "; ".join(rejected) or None
                return EndpointMatch(
                    code, rule.label, field, [m.term for m in found], snippet(text, start, end), note
                )
        if rejected:
            return EndpointMatch(OTHER_ENDPOINT, None, None, None, None, "; ".join(rejected))
        return OTHER

    @staticmethod
    def reads_description(title: str | None) -> bool:
        """Whether classify reads the description too: only for a bare title."""
        return not title or len(_WORDS.findall(title)) <= BARE_TITLE_WORDS

    def population(self, text: str | None) -> str | None:
        """episodic, chronic, mixed (both named) or None; one pass over the text."""
        if not text:
            return None
        blanked = blank_symbols(text)
        found = self._populations.find(blanked, self._population_anchors.present(blanked.lower()))
        named = {self._population_of[m.term] for m in found}
        if len(named) > 1:
            return "mixed"
        return named.pop() if named else None

    def names_a_control(self, text: str | None) -> str | None:
        """The control term named in ``text`` (placebo, sham, ...), or None."""
        if not text or self.controls is None:
            return None
        found = self.controls.finditer(blank_symbols(text))
        return found[0].term if found else None
