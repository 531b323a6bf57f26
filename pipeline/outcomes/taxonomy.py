"""The endpoint taxonomy of config.yaml compiled once per run, and the match of outcome texts against it.

Terms match as class terms do (pipeline/classify/terms.py: whole words, forgiving about spaces, hyphens
and plurals). Registry titles also carry symbols ("≥50%", "(MMD)"), so those are read as spaces first;
the replacement keeps every character position, so the snippet shown to the analyst is the raw text.
Texts are matched a column at a time with the classifier's one-pass matcher (an Aho-Corasick pass finds
where a term can start, the term's own regex decides there), then each text's rules are decided from
its hits: the same matches as running every rule's regexes over every text, at a fraction of the cost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.classify.one_pass import OnePassMatcher, TextHit
from pipeline.classify.terms import TermSet, snippet
from pipeline.config import OTHER_ENDPOINT, Endpoint, EndpointSettings, Settings
from pipeline.errors import ConfigError
from pipeline.outcomes.time_windows import stated_hours

# What a text naming both populations is (also the name of the config's optional term list for it).
MIXED = "mixed"
# A title of at most this many words (of three letters or more) says too little to map alone.
BARE_TITLE_WORDS = 3
_WORDS = re.compile(r"[^\W\d_]{3,}")
ASCII_WORD = "[A-Za-z]{3,}"  # _WORDS within ASCII text, in RE2 (Arrow)
# One character each, so a match position in the blanked text is the same in the raw text. One
# str.replace per symbol present (each a scan in C): a regex substitution is ~10x slower on a page's
# texts joined, str.translate with a mapping ~100x (it looks up every character in Python).
_SYMBOLS = "%≥≤<>=()[]{},;:'\"*+~"


def blank_symbols(text: str) -> str:
    """Symbols become spaces, one for one, so match positions stay valid in the raw text."""
    for symbol in _SYMBOLS:
        if symbol in text:
            text = text.replace(symbol, " ")
    return text


@dataclass(frozen=True)
class EndpointMatch:
    code: str
    rule: str | None  # "<code>: <rule name>"; None for other
    field: str | None
    terms: list[str] | None
    text: str | None
    note: str | None = None  # a rule that matched but was not taken, and why


OTHER = EndpointMatch(OTHER_ENDPOINT, None, None, None, None)

# One text's hits: term set name -> its leftmost match (what TermSet.finditer lists first).
Hits = dict[str, TextHit]
# An outcome as classified: title, description, time frame.
OutcomeTexts = tuple[str | None, str | None, str | None]


@dataclass(frozen=True)
class _Rule:
    code: str
    endpoint: Endpoint
    label: str  # "<code>: <rule name>"
    groups: tuple[str, ...]  # names of its all_of term sets in the matcher
    exclude: str | None  # name of its none_of term set

    def match(self, hits: Hits) -> list[TextHit] | None:
        if self.groups[0] not in hits or (self.exclude is not None and self.exclude in hits):
            return None
        found = []
        for group in self.groups:
            hit = hits.get(group)
            if hit is None:
                return None
            found.append(hit)
        return found


class Taxonomy:
    """Compiled endpoints (config order), population terms and control terms; stateless after building."""

    def __init__(self, endpoints: EndpointSettings, control_terms: list[str]) -> None:
        self.definitions: dict[str, Endpoint] = dict(endpoints.definitions)
        self._rules: list[_Rule] = []
        sets: dict[str, TermSet] = {}
        try:
            names: dict[tuple[str, ...], str] = {}  # rules share term lists (YAML anchors): one set each

            def named(terms: list[str]) -> str:
                key = tuple(terms)
                if key not in names:
                    names[key] = f"s{len(names)}"
                    sets[names[key]] = TermSet(terms)
                return names[key]

            for code, endpoint in self.definitions.items():
                for rule in endpoint.rules:
                    groups = tuple(named(terms) for terms in rule.all_of)
                    exclude = named(rule.none_of) if rule.none_of else None
                    self._rules.append(_Rule(code, endpoint, f"{code}: {rule.name}", groups, exclude))
            self._population_of = {
                term.lower(): name for name, terms in endpoints.populations.items() for term in terms
            }
            # Two passes: the sets that open a rule over every text, the others only over texts where
            # some rule opened (most texts name no endpoint, and the closing sets hold the common words:
            # change, migraine, percentage).
            first = {r.groups[0] for r in self._rules}
            self._first_matcher = OnePassMatcher({n: t for n, t in sets.items() if n in first})
            self._rest_matcher = OnePassMatcher({n: t for n, t in sets.items() if n not in first})
            self._rules_by_first_group: dict[str, list[int]] = {}
            for rank, r in enumerate(self._rules):
                self._rules_by_first_group.setdefault(r.groups[0], []).append(rank)
            self._population_matcher = OnePassMatcher({"population": TermSet(list(self._population_of))})
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
        """The endpoint of one outcome (see classify_many)."""
        return self.classify_many([(title, description, time_frame)])[0]

    def classify_many(self, outcomes: Sequence[OutcomeTexts]) -> list[EndpointMatch]:
        """Per outcome, the first endpoint whose rule matches its title. The description is read only for
        a bare title ("Primary Outcome", "Efficacy"): descriptions mention other endpoints in passing
        ("participants given rescue medication count as non-responders"), and a descriptive title that
        matches no rule names some other outcome."""
        texts: list[str] = []
        slots: dict[str, int] = {}

        def slot(text: str | None) -> int | None:
            if not text:
                return None
            if text not in slots:
                slots[text] = len(texts)
                texts.append(text)
            return slots[text]

        read = [
            (slot(title), slot(description) if description and self.reads_description(title) else None)
            for title, description, _ in outcomes
        ]
        hits = self._hits(self._first_matcher, texts)
        opened = [i for i, found in enumerate(hits) if found]
        for i, more in zip(opened, self._hits(self._rest_matcher, [texts[i] for i in opened]), strict=True):
            hits[i].update(more)
        out = []
        for (title_slot, description_slot), (_, _, time_frame) in zip(read, outcomes, strict=True):
            fields = [
                (field, texts[i], hits[i])
                for field, i in (("title", title_slot), ("description", description_slot))
                if i is not None
            ]
            out.append(self._decide(fields, time_frame))
        return out

    def _decide(self, fields: list[tuple[str, str, Hits]], time_frame: str | None) -> EndpointMatch:
        rejected: list[str] = []
        for field, text, hits in fields:
            for rule in self._candidates(hits):
                found = rule.match(hits)
                if found is None:
                    continue
                at_hours = rule.endpoint.at_hours
                if at_hours is not None:
                    hours = stated_hours(text) | stated_hours(time_frame or "")
                    if hours and at_hours not in hours:
                        shown = ", ".join(f"{h:g}" for h in sorted(hours))
                        rejected.append(
                            f"{rule.label} matched but the outcome states {shown} h, not {at_hours:g} h"
                        )
                        continue
                start = min(m.start for m in found)
                end = max(m.end for m in found)
                note = "; ".join(rejected) or None
                terms = [m.term for m in found]
                return EndpointMatch(rule.code, rule.label, field, terms, snippet(text, start, end), note)
        if rejected:
            return EndpointMatch(OTHER_ENDPOINT, None, None, None, None, "; ".join(rejected))
        return OTHER

    def _candidates(self, hits: Hits) -> list[_Rule]:
        """The rules whose first term group has a hit, in config order (few for most texts)."""
        ranks = [rank for name in hits for rank in self._rules_by_first_group.get(name, ())]
        return [self._rules[rank] for rank in sorted(ranks)]

    @staticmethod
    def _hits(matcher: OnePassMatcher, texts: list[str]) -> list[Hits]:
        """Each text's hits (symbols read as spaces), the leftmost match of each term set."""
        per_text: list[Hits] = [{} for _ in texts]
        for hit in matcher.find(texts, prepare=blank_symbols):
            found = per_text[hit.text_index]
            if hit.name not in found:  # hits come leftmost first within a text and term set
                found[hit.name] = hit
        return per_text

    @staticmethod
    def reads_description(title: str | None) -> bool:
        """Whether classify reads the description too: only for a bare title."""
        if not title:
            return True
        words = islice(_WORDS.finditer(title), BARE_TITLE_WORDS + 1)  # stop once it is not bare
        return sum(1 for _ in words) <= BARE_TITLE_WORDS

    @classmethod
    def reads_description_many(cls, titles: pa.Array) -> pa.Array:
        """reads_description of each title, as a boolean array. ASCII titles are counted in Arrow (there
        a letter is [A-Za-z], as ``_WORDS`` reads it), the others as reads_description does."""
        if len(titles) == 0:
            return pa.array([], pa.bool_())
        counted = pc.count_substring_regex(titles, ASCII_WORD)
        bare = pc.fill_null(pc.less_equal(counted, BARE_TITLE_WORDS), True)
        other = pc.indices_nonzero(pc.invert(pc.fill_null(pc.string_is_ascii(titles), True))).to_pylist()
        if not other:
            return bare
        looked_at = dict(zip(other, (cls.reads_description(titles[i].as_py()) for i in other), strict=True))
        return pa.array([looked_at.get(i, b) for i, b in enumerate(bare.to_pylist())], pa.bool_())

    def population(self, text: str | None) -> str | None:
        """episodic, chronic, mixed (both named) or None."""
        return self.population_many([text])[0]

    def population_many(self, texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> list[str | None]:
        """Per text (a list, or an Arrow string array), the population it names: episodic, chronic,
        mixed (a ``mixed`` term, or terms of both) or None. Longer terms match first, so "episodic or
        chronic migraine" is the mixed term, not its "chronic migraine". All texts in one pass of the
        matcher (symbols blanked in the texts joined): cheaper than prefiltering them in Arrow."""
        values = texts.to_pylist() if isinstance(texts, pa.Array | pa.ChunkedArray) else texts
        out: list[str | None] = [None] * len(values)
        named: dict[int, set[str]] = {}
        for hit in self._population_matcher.find(values, prepare=blank_symbols):
            named.setdefault(hit.text_index, set()).add(self._population_of[hit.term.lower()])
        for i, found in named.items():
            out[i] = MIXED if len(found) > 1 else next(iter(found))
        return out

    def names_a_control(self, text: str | None) -> str | None:
        """The control term named in ``text`` (placebo, sham, ...), or None."""
        if not text or self.controls is None:
            return None
        found = self.controls.finditer(blank_symbols(text))
        return found[0].term if found else None
