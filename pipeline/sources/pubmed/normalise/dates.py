"""PubMed's partial dates as (raw, first day, precision, year): sorting and filtering never parse text.

A journal issue date is rarely a day: it can be a month, a season ("Spring", "Jan-Feb") or a free-text
MedlineDate ("2015 Jul-Aug", "1998 Dec-1999 Jan", "2009 Oct 15-21"). We keep the text as PubMed shows it
and take the first day of the period it starts with. A named season (Spring, Summer, Fall, Autumn,
Winter) gives only the year: which months it covers depends on the journal's hemisphere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lxml import etree

MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}

# The first year, then optionally a month name and a day: "1998 Dec-1999 Jan" -> 1998, Dec.
_MEDLINE_DATE = re.compile(r"(?<!\d)(\d{4})(?!\d)(?:[ ]+([A-Za-z]{3,})(?:[ ]+(\d{1,2})(?![\dA-Za-z]))?)?")


@dataclass(frozen=True, slots=True)
class PartialDate:
    raw: str | None
    value: date | None
    precision: str | None  # "day" | "month" | "year"
    year: int | None


NO_DATE = PartialDate(None, None, None, None)


def month_number(text: str | None) -> int | None:
    """PubDate months are names ("Jul"), ArticleDate and DateRevised months are numbers ("07")."""
    if not text:
        return None
    text = text.strip()
    if text.isdigit():
        number = int(text)
        return number if 1 <= number <= 12 else None
    return MONTHS.get(text[:3].lower())


def from_parts(raw: str | None, year: str | None, month: str | None, day: str | None) -> PartialDate:
    """The most precise valid date the parts allow: a bad day falls back to the month, a bad month to year."""
    if not year or not year.strip().isdigit() or len(year.strip()) != 4:
        return PartialDate(raw, None, None, None)
    y = int(year)
    m = month_number(month)
    if m is None:
        return PartialDate(raw, date(y, 1, 1), "year", y)
    if day and day.strip().isdigit():
        try:
            return PartialDate(raw, date(y, m, int(day)), "day", y)
        except ValueError:
            pass
    return PartialDate(raw, date(y, m, 1), "month", y)


def parse_medline_date(text: str | None) -> PartialDate:
    """Free-text MedlineDate: the start of the period it names, at the precision it states."""
    raw = " ".join(text.split()) if text else None
    if not raw:
        return NO_DATE
    match = _MEDLINE_DATE.search(raw)
    if match is None:
        return PartialDate(raw, None, None, None)
    year, month, day = match.groups()
    return from_parts(raw, year, month, day if month else None)


def _child_texts(elem: etree._Element) -> dict[str, str]:
    """Text of each child by tag, in one pass (faster than a path search per part)."""
    texts = {}
    for child in elem:
        text = child.text.strip() if child.text else ""
        if text:
            texts.setdefault(child.tag, text)
    return texts


def parse_pub_date(pub_date: etree._Element | None) -> PartialDate:
    """A <PubDate>: Year with Month[/Day] or Season, or a MedlineDate."""
    if pub_date is None:
        return NO_DATE
    parts = _child_texts(pub_date)
    if "MedlineDate" in parts:
        return parse_medline_date(parts["MedlineDate"])
    year, month, day, season = (parts.get(tag) for tag in ("Year", "Month", "Day", "Season"))
    raw = " ".join(part for part in (year, month, day if month else None, season) if part) or None
    if season is not None and month is None:
        # "Jan-Feb" starts in a known month; "Spring" does not.
        return from_parts(raw, year, season.split("-")[0], None)
    return from_parts(raw, year, month, day)


def parse_ymd(elem: etree._Element | None) -> date | None:
    """Full dates such as DateRevised: a date only when all three parts are valid."""
    if elem is None:
        return None
    parts = _child_texts(elem)
    parsed = from_parts(None, parts.get("Year"), parts.get("Month"), parts.get("Day"))
    return parsed.value if parsed.precision == "day" else None
