"""The time window an outcome states, in one normal form ("weeks 9-12", "2 hours post dose", "month 3").

A migraine day and its window are defined per trial, so the window is kept as the trial states it,
not forced onto a grid; the normal form only removes spelling differences ("Weeks 9 to 12", "week
9-12", "9-12 weeks"). Hours are also read as numbers, to tell pain freedom at 2 h from at 1 h.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "six": 6,
    "eight": 8,
    "twelve": 12,
    "twenty-four": 24,
    "twenty four": 24,
    "forty-eight": 48,
    "forty eight": 48,
}
_NUM = r"\d+(?:\.\d+)?|twenty[\s-]four|forty[\s-]eight|one|two|three|four|six|eight|twelve"
_JOIN = r"\s*(?:,|and|or|to|through|-|\u2013|\u2014)\s*"
_LIST = rf"(?:{_NUM})(?:{_JOIN}(?:{_NUM}))*"
_HOUR = r"h|hr|hrs|hours?"
_UNIT = r"hours?|hrs?|h|days?|weeks?|wks?|months?"
_F = re.IGNORECASE

_HOURS_AFTER = re.compile(rf"(?<![\w.])({_LIST})\s*-?\s*(?:{_HOUR})(?![a-z])", _F)
_HOURS_BEFORE = re.compile(rf"\b(?:hours?)\s+({_LIST})(?![\w.])", _F)
_MINUTES = re.compile(rf"(?<![\w.])({_LIST})\s*-?\s*(?:min|mins|minutes?)\b", _F)
_NUMBER = re.compile(_NUM, _F)

# Every window names a unit: texts without one (most titles) skip the patterns below. Searched in the
# lower-cased text, about twice as fast as ignoring case (the only other character that case-insensitive
# matching takes for one of these letters, the Kelvin sign, lower-cases to k as well).
_ANY_UNIT = re.compile(r"(?:hour|hr|\dh|day|week|wk|month)")
_LAST = re.compile(r"\blast\s+(\d+|four|eight|twelve)\s+weeks\b(.{0,60})", _F)
_UNIT_RANGE = re.compile(rf"\b({_UNIT})\s+(\d+)\s*(?:-|\u2013|\u2014|to|through|and)\s*(\d+)\b", _F)
_RANGE_UNIT = re.compile(rf"(?<![\w.])(\d+)\s*(?:-|\u2013|\u2014|to|through)\s*(\d+)\s*-?\s*({_UNIT})\b", _F)
_PERIOD = re.compile(
    r"(?<![\w.])(\d+|twelve|four|eight)\s*-?\s*(week|month)s?\s+(?:[\w-]+\s+){0,2}(?:period|phase|treatment)",
    _F,
)
_UNIT_POINT = re.compile(r"\b(week|month|day)\s+(\d+)\b", _F)
_POINT_UNIT = re.compile(
    rf"(up\s+to\s+)?(?<![\w.])({_LIST})\s*-?\s*({_UNIT})\b(\s*(?:post[\s-]*dose|postdose|after\s+(?:the\s+)?(?:initial\s+|first\s+)?dos(?:e|ing)))?",
    _F,
)


def _number(text: str) -> float | None:
    word = text.lower().replace("-", " ")
    if word in _WORDS:
        return float(_WORDS[word])
    try:
        return float(text)
    except ValueError:
        return None


def _numbers(listed: str) -> set[float]:
    found = {_number(m.group(0)) for m in _NUMBER.finditer(listed)}
    return {n for n in found if n is not None}


@lru_cache(maxsize=1 << 16)
def stated_hours(text: str) -> frozenset[float]:
    """Every hour figure stated: "at 2 hours" -> {2}; "2 to 24 hours" -> {2, 24}; "120 min" -> {2}."""
    lowered = text.lower() if text else ""
    if not text or (_ANY_UNIT.search(lowered) is None and "min" not in lowered):
        return frozenset()
    hours: set[float] = set()
    for pattern in (_HOURS_AFTER, _HOURS_BEFORE):
        for m in pattern.finditer(text):
            hours |= _numbers(m.group(1))
    for m in _MINUTES.finditer(text):
        hours |= {n / 60 for n in _numbers(m.group(1))}
    return frozenset(hours)


def _unit(word: str) -> str:
    word = word.lower()
    if word.startswith("h"):
        return "hours"
    if word.startswith("d"):
        return "days"
    if word.startswith("w"):
        return "weeks"
    return "months"


def _fmt(value: str) -> str:
    number = _number(value)
    return f"{number:g}" if number is not None else value


@lru_cache(maxsize=1 << 16)
def time_window(text: str | None) -> str | None:
    """The window the text states, normalised, or None. Ranges beat single points ("Baseline to Weeks
    9-12" is weeks 9-12, not week 12)."""
    if not text or _ANY_UNIT.search(text.lower()) is None:
        return None
    m = _LAST.search(text)
    if m:
        tail = m.group(2).lower()
        phase = " of double-blind phase" if ("double-blind" in tail or "dbt" in tail) else ""
        return f"last {_fmt(m.group(1))} weeks{phase}"
    m = _UNIT_RANGE.search(text)
    if m:
        return f"{_unit(m.group(1))} {m.group(2)}-{m.group(3)}"
    m = _RANGE_UNIT.search(text)
    if m:
        return f"{_unit(m.group(3))} {m.group(1)}-{m.group(2)}"
    m = _PERIOD.search(text)
    if m:
        return f"{_fmt(m.group(1))}-{m.group(2).lower()} period"
    m = _UNIT_POINT.search(text)
    if m:
        return f"{m.group(1).lower()} {m.group(2)}"
    m = _POINT_UNIT.search(text)
    if m:
        unit = _unit(m.group(3))
        numbers = [_fmt(n.group(0)) for n in _NUMBER.finditer(m.group(2))]
        unit = unit[:-1] if numbers == ["1"] else unit
        up_to = "up to " if m.group(1) else ""
        return f"{up_to}{', '.join(numbers)} {unit}" + (" post dose" if m.group(4) else "")
    return None
