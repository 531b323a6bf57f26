"""Numbers the results API sends as strings ("12.5", "NA", "<0.001"): parsed, with the raw text kept.

The raw string always stays in its ``*_raw`` column, so a value this module cannot read is a null
number, never a lost value.
"""

from __future__ import annotations

import math
from typing import Any

# Comparators and spaces stripped from the front of a p-value ("<0.001", "= 0.247", "p<.05").
_P_VALUE_PREFIX = " \t<>=≤≥~pP"


def parse_number(raw: Any) -> float | None:
    """A finite float, or None for "NA", empty, missing or anything else that is not a plain number."""
    if raw is None:
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def parse_p_value(raw: Any) -> float | None:
    """The number in a p-value string; for "<0.001" that is the bound 0.001 (likewise ">0.05" -> 0.05).

    A bound is stored as the number because it is the only figure reported; ``p_value_raw`` keeps the
    comparator, so a consumer that must tell an exact value from a bound reads it there.
    """
    if not isinstance(raw, str):
        return parse_number(raw)
    return parse_number(raw.lstrip(_P_VALUE_PREFIX))
