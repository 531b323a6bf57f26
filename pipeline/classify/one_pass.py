"""Find every term set's matches in a whole column of texts at once.

Scanning each text once per class with each class's regex cost most of a rebuild (about 2 million
regex scans for 20,000 trials). Here the texts of one field are joined, an Aho-Corasick automaton
(pyahocorasick, in C) finds in one pass every word start where some term's first literal (its
anchor: the first token, and the next token's first letter after any separators) begins, and only
there is the term set's own regex tried. Every match begins with its anchor at a word start, so the
automaton never misses one; the regex still decides, tried left to
right and resuming after each match exactly as ``finditer`` would, so the matches are those of
scanning every text with every term set. General over fields: give it any column of texts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from itertools import accumulate
from typing import NamedTuple

import ahocorasick

from pipeline.classify.terms import TermSet

# Joins the texts of a column: no term regex matches it, and like a string's end it is no letter or
# digit, so word boundaries at the edges of each text are what they are in the text alone.
TEXT_SEPARATOR = "\x00"
# The only characters outside ASCII that Python's case-insensitive matching takes for an ASCII letter
# or digit (a test checks this against the whole of Unicode).
ASCII_TWINS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
# What the automaton reads, one byte per character of the text: ASCII letters and digits lower-cased,
# everything else (any other character outside ASCII arrives as "?") a space. An anchor is looked for
# with a space before it, so only where a word starts, as every match does.
WORD_START = " "
_SEARCH_BYTES = bytes(
    ord(chr(b).lower()) if chr(b).isascii() and chr(b).isalnum() else ord(WORD_START) for b in range(256)
)


class TextHit(NamedTuple):
    text_index: int  # position of the text in the column given to find
    name: str  # the term set (class) that matched
    term: str  # the configured term
    start: int  # offsets in that text
    end: int


def search_text(text: str) -> str:
    """``text`` as the automaton reads it: a space, then one lower-case ASCII character (a letter or
    digit, or a space for anything else) per character of ``text``, at the same offset plus one."""
    if not text.isascii():
        for twin, letter in ASCII_TWINS.items():
            if twin in text:
                text = text.replace(twin, letter)
    ascii_bytes = text.encode("ascii", errors="replace")  # one "?" per other character
    return WORD_START + ascii_bytes.translate(_SEARCH_BYTES).decode("ascii")


class OnePassMatcher:
    """Compiled once from named term sets (classes, or control words); stateless afterwards."""

    def __init__(self, term_sets: Mapping[str, TermSet]) -> None:
        self._sets = dict(term_sets)
        self._names = list(self._sets)
        self._rank = {name: i for i, name in enumerate(self._names)}
        by_key: dict[str, list[str]] = {}
        # A set with a non-ASCII anchor is scanned in full: the search text keeps only ASCII.
        self._scan_in_full: list[str] = []
        for name, term_set in self._sets.items():
            keys = [key for anchor in term_set.anchors for key in anchor_keys(*anchor)]
            if all(key.isascii() for key in keys):
                for key in dict.fromkeys(keys):
                    by_key.setdefault(key, []).append(name)
            else:
                self._scan_in_full.append(name)
        self._automaton: ahocorasick.Automaton | None = None
        if by_key:
            self._automaton = ahocorasick.Automaton()
            for key, names in by_key.items():
                self._automaton.add_word(key, (len(key) - 1, tuple(names)))
            self._automaton.make_automaton()

    def find(self, texts: Sequence[str | None], prepare: Callable[[str], str] | None = None) -> list[TextHit]:
        """Every match of every term set in each text (None reads as empty), ordered by text, then
        by term set in the order given, then by position. ``prepare``: what each text is read as, a
        mapping of character to character (the same length; TEXT_SEPARATOR left as it is), applied
        once to the texts joined."""
        if not texts:
            return []
        filled = [text or "" for text in texts]
        joined = TEXT_SEPARATOR.join(filled)
        if prepare is not None:
            joined = prepare(joined)
        # starts[i]: offset of text i in joined (each text is followed by one separator).
        starts = [0, *accumulate(map(_PLUS_SEPARATOR, map(len, filled)))]
        rank = self._rank
        hits: list[tuple[int, int, int, str, int]] = []  # (text, set rank, start, term, end) in joined
        for name, spans in self._spans(joined).items():
            set_rank = rank[name]
            for term, start, end in spans:
                hits.append((bisect_right(starts, start) - 1, set_rank, start, term, end))
        hits.sort()
        names = self._names
        return [
            TextHit(index, names[set_rank], term, start - starts[index], end - starts[index])
            for index, set_rank, start, term, end in hits
        ]

    def may_match(self, text: str) -> bool:
        """Whether some term set may match in ``text``: an anchor where a word starts, or a set scanned
        in full. False means none does (cheaper than a regex search of a short text)."""
        if self._automaton is None or self._scan_in_full:
            return True
        return next(self._automaton.iter(search_text(text)), None) is not None

    def _spans(self, joined: str) -> dict[str, list[tuple[str, int, int]]]:
        """Per term set, its matches in ``joined`` as ``finditer`` gives them: (term, start, end)."""
        candidates: dict[str, list[int]] = {}
        if self._automaton is None:
            in_full = self._names
        else:
            in_full = self._scan_in_full
            # A key " anchor..." of length back + 1 ends at ``end`` of the search text, so its anchor
            # starts at end - back + 1 there, and one character earlier in ``joined``.
            for end, (back, names) in self._automaton.iter(search_text(joined)):
                for name in names:
                    candidates.setdefault(name, []).append(end - back)
        spans: dict[str, list[tuple[str, int, int]]] = {}
        for name, positions in candidates.items():
            found = self._sets[name].finditer_from(joined, sorted(set(positions)))
            if found:
                spans[name] = found
        for name in in_full:
            found = [(hit.term, hit.start, hit.end) for hit in self._sets[name].finditer(joined)]
            if found:
                spans[name] = found
        return spans


def anchor_keys(first: str, following: str) -> list[str]:
    """What the automaton looks for to find a term whose matches start with ``first`` then, after any
    separators (each a space in the search text), ``following`` (``TermSet.anchors``): the word start,
    the first token lower-cased, then the next token's first character right after it or after one
    separator, or a second separator (a longer run of them, whatever follows). Fewer candidates than the
    first token alone: "e" of e-TNS would stand for every word that begins with an e."""
    key = WORD_START + first.lower()
    if not following or not following.isascii():  # then the first token alone
        return [key]
    following = following.lower()
    return [key + following, key + WORD_START + following, key + WORD_START + WORD_START]


_PLUS_SEPARATOR = (len(TEXT_SEPARATOR)).__add__  # a text's length and the separator after it
