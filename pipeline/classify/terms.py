"""Turn configured terms into forgiving, word-bounded regular expressions.

Registry text spells the same code many ways ("AMG 334", "AMG-334", "AMG334") and names things in the
plural ("stem cells", "gene therapies"), so a term is split into letter and digit tokens that may be
joined by any run of spaces, hyphens or slashes, and a final word may take a plural ending. A match
must not touch another letter or digit on either side, so "gene" never matches inside "general" and
"TMS" never matches inside "sTMS".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Letters-only or digits-only runs: "LY2951742" -> "LY", "2951742"; "Lu AG09222" -> "Lu", "AG", "09222".
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
# Spaces, ASCII hyphen, Unicode hyphens and dashes (U+2010..U+2015), slash: all optional between tokens.
_SEPARATOR = r"[\s\-\u2010-\u2015/]*"
_START = r"(?<![^\W_])"
_END = r"(?![^\W_])"
SNIPPET_CONTEXT = 40
SNIPPET_WHOLE_TEXT_MAX = 100


def term_tokens(term: str) -> list[str]:
    return _TOKEN.findall(term)


def term_regex(term: str) -> str:
    """The regex source of one term (without the word-boundary guards); empty if it has no tokens."""
    tokens = term_tokens(term)
    if not tokens:
        return ""
    *head, last = tokens
    parts = [re.escape(t) for t in head]
    if last.isdigit():
        parts.append(re.escape(last))
    elif _plural_in_ies(last):
        parts.append(re.escape(last[:-1]) + "(?:y|ies)")  # therapy / therapies
    else:
        parts.append(re.escape(last) + "(?:e?s)?")  # cell / cells, patch / patches
    return _SEPARATOR.join(parts)


def term_anchor(term: str) -> tuple[str, str]:
    """What every match of the term starts with: the literal text of its first token (less a final "y"
    that may become "ies"), then, when another token follows, that token's first character, after any
    run of separators (empty otherwise). A prefilter may look for them; the term's regex still decides.
    The second part keeps a short first token from standing for every word it begins ("e" of e-TNS)."""
    tokens = term_tokens(term)
    if not tokens:
        return "", ""
    first = tokens[0]
    if len(tokens) > 1:
        return first, tokens[1][0]
    return (first[:-1] if not first.isdigit() and _plural_in_ies(first) else first), ""


def _plural_in_ies(word: str) -> bool:
    return len(word) > 2 and word[-1] in "yY" and word[-2].lower() not in "aeiou"


@dataclass(frozen=True)
class TermMatch:
    term: str
    start: int
    end: int


class TermSet:
    """One compiled alternation of many terms that reports which configured term matched.

    Longer terms are tried first so the most specific term is the one recorded ("non-invasive vagus
    nerve stimulation" rather than "vagus nerve stimulation"). Terms that compile to the same regex
    keep the first spelling given.
    """

    def __init__(self, terms: list[str]) -> None:
        by_regex: dict[str, str] = {}
        for term in terms:
            source = term_regex(term)
            if not source:
                raise ValueError(f"term {term!r} has no letters or digits")
            by_regex.setdefault(source.lower(), term)  # matching ignores case, so dedupe must too
        ordered = sorted(by_regex.items(), key=lambda item: len(item[0]), reverse=True)
        self.terms = [term for _, term in ordered]
        self.anchors = frozenset(term_anchor(term) for term in self.terms)
        alternation = "|".join(f"(?P<t{i}>{source})" for i, (source, _) in enumerate(ordered))
        self._pattern = re.compile(f"{_START}(?:{alternation}){_END}", re.IGNORECASE)

    def finditer(self, text: str) -> list[TermMatch]:
        found = []
        for m in self._pattern.finditer(text):
            group = m.lastgroup
            assert group is not None  # every alternative is a named group
            found.append(TermMatch(self.terms[int(group[1:])], m.start(), m.end()))
        return found

    def finditer_from(self, text: str, starts: Iterable[int]) -> list[tuple[str, int, int]]:
        """``finditer`` over ``text`` when a match can only begin at one of ``starts`` (ascending):
        (term, start, end) of each match, trying each start at most once and, like ``finditer``,
        resuming after each match (the letters before a start still count for the word boundary)."""
        found = []
        match, terms = self._pattern.match, self.terms
        resume = 0
        for pos in starts:
            if pos < resume:
                continue
            m = match(text, pos)
            if m is not None:
                resume = m.end()
                found.append((terms[int(m.lastgroup[1:])], pos, resume))  # every alternative is named
        return found

    def search(self, text: str) -> bool:
        return self._pattern.search(text) is not None

    def names(self, text: str) -> bool:
        """Whether the whole of ``text`` is one of the terms (as matched: any case, separators, plural)."""
        return self._pattern.fullmatch(text) is not None


def snippet(text: str, start: int, end: int, context: int = SNIPPET_CONTEXT) -> str:
    """The match with some words either side, so an analyst can judge it without opening the record.

    Short texts (names, labels) are kept whole; long ones are cut at spaces, marked with an ellipsis.
    """
    if len(text) <= SNIPPET_WHOLE_TEXT_MAX:
        return " ".join(text.split())
    left = max(0, start - context)
    right = min(len(text), end + context)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    body = " ".join(text[left:right].split())
    return ("…" if left > 0 else "") + body + ("…" if right < len(text) else "")
