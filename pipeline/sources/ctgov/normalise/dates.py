"""Partial registry dates ("2015", "2015-07", "2015-07-14") made sortable without inventing precision.

The parsed date is the first day of the period the registry gave; ``precision`` says how much of it
is real, so "2015-07" never reads as 1 July 2015 to an analysis that checks. An unparseable value
gives no date and no precision: the caller keeps the raw string and reports it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

DAY = "day"
MONTH = "month"
YEAR = "year"

_PARTIAL_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def parse_partial_date(raw: Any) -> tuple[date | None, str | None]:
    """Return (first day of the period, precision), or (None, None) when ``raw`` is not such a date."""
    if not isinstance(raw, str):
        return None, None
    match = _PARTIAL_DATE.fullmatch(raw)
    if match is None:
        return None, None
    year, month, day = match.groups()
    try:
        if day is not None:
            return date(int(year), int(month), int(day)), DAY
        if month is not None:
            return date(int(year), int(month), 1), MONTH
        return date(int(year), 1, 1), YEAR
    except ValueError:  # e.g. "2015-13" or "2015-02-30"
        return None, None
