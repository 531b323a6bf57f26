"""A group's posted value read as what the endpoint needs: a mean with its spread, or an event count.

Registry measurements are typed loosely: a parameter type (MEAN, LEAST_SQUARES_MEAN, NUMBER,
COUNT_OF_PARTICIPANTS, ...), a free-text dispersion type and unit. A percentage becomes a count only with
the group's number analysed; anything this module cannot read as the endpoint's quantity raises
NotComputable with the reason, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.outcomes.effect_math import ArmMean, NotComputable

MEAN_TYPES = {"MEAN", "LEAST_SQUARES_MEAN"}
_PCT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_HOUR = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(?:h|hr|hrs|hours?)\b", re.IGNORECASE)
_NEGATIVE_CATEGORY = re.compile(r"^\s*(?:no|not|non|none|without)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Measurement:
    class_title: str | None
    category_title: str | None
    value_raw: str | None
    value: float | None
    spread_raw: str | None
    spread: float | None
    lower_raw: str | None
    lower: float | None
    upper_raw: str | None
    upper: float | None

    @property
    def key(self) -> tuple[str | None, str | None]:
        return (self.class_title, self.category_title)

    @property
    def spread_text(self) -> str | None:
        if self.spread_raw is not None:
            return self.spread_raw
        if self.lower_raw is not None or self.upper_raw is not None:
            return f"{self.lower_raw} to {self.upper_raw}"
        return None


def pick_row_key(
    rows: list[Measurement], at_hours: float | None, binary: bool
) -> tuple[str | None, str | None]:
    """The (class, category) that is the endpoint when a measure posts several (time points, Yes/No)."""
    keys = list(dict.fromkeys(m.key for m in rows))
    if len(keys) == 1:
        return keys[0]
    if at_hours is not None:
        timed = [k for k in keys if any(float(h) == at_hours for t in k if t for h in _HOUR.findall(t))]
        if timed:
            keys = timed
    if binary and len(keys) > 1:
        positive = [k for k in keys if not (k[1] and _NEGATIVE_CATEGORY.search(k[1]))]
        if positive:
            keys = positive
    if len(keys) == 1:
        return keys[0]
    shown = "; ".join(" / ".join(t for t in k if t) or "(untitled)" for k in keys)
    raise NotComputable(f"several classes or categories ({shown}): cannot tell which one is the endpoint")


def spread_kind(dispersion_type: str | None) -> tuple[str, float | None]:
    """sd / se / ci (with its level) from the free-text dispersion type."""
    text = (dispersion_type or "").lower().replace("_", " ")
    if "standard deviation" in text and "geometric" not in text:
        return "sd", None
    if "standard error" in text:
        return "se", None
    if "confidence interval" in text:
        pct = _PCT.search(text) or re.search(r"interval\s+(\d+)", text)
        return "ci", float(pct.group(1)) if pct else 95.0
    if not text:
        raise NotComputable("no dispersion posted: a mean alone gives no standard error")
    raise NotComputable(f"dispersion {dispersion_type!r} cannot give a standard error")


def _check_value(m: Measurement) -> None:
    if m.value is None:
        raise NotComputable(
            "a group has no value posted"
            if m.value_raw is None
            else f"arm value {m.value_raw!r} is not a number"
        )


def arm_mean(m: Measurement, n: float | None, param_type: str | None, dispersion_type: str | None) -> ArmMean:
    if (param_type or "").upper() not in MEAN_TYPES:
        raise NotComputable(f"arm values are {param_type or 'untyped'}: a mean difference needs means")
    _check_value(m)
    kind, pct = spread_kind(dispersion_type)
    if kind == "ci" and (m.lower is None or m.upper is None):
        raise NotComputable(f"confidence limits {m.lower_raw!r} to {m.upper_raw!r} are not numbers")
    if kind != "ci" and m.spread is None:
        raise NotComputable(f"dispersion value {m.spread_raw!r} is not a number")
    return ArmMean(m.value, n, kind, m.spread, m.lower, m.upper, pct)


def arm_events(
    m: Measurement, n: float | None, param_type: str | None, unit: str | None
) -> tuple[float, float, str | None]:
    """(events, n, note): a count, or a percentage of the number analysed turned into a count."""
    _check_value(m)
    unit_text = (unit or "").lower()
    ptype = (param_type or "").upper()
    is_pct = "percent" in unit_text or "%" in unit_text or "proportion" in unit_text
    if not is_pct and ptype not in ("COUNT_OF_PARTICIPANTS", "NUMBER"):
        raise NotComputable(f"arm values are {param_type or 'untyped'}: a risk ratio needs counts")
    if not is_pct and ptype == "NUMBER" and not re.search(r"participant|patient|subject|people", unit_text):
        raise NotComputable(f"a NUMBER in {unit!r} is neither a count of participants nor a percentage")
    if not n:
        what = "a percentage" if is_pct else "a count"
        raise NotComputable(f"{what} without the group's number analysed (denominator)")
    if is_pct:
        if not 0 <= m.value <= 100:
            raise NotComputable(f"percentage {m.value_raw!r} is outside 0-100")
        events = round(m.value * n / 100)
        return float(events), n, f"events = {m.value_raw}% of {n:g}, rounded"
    if m.value != int(m.value):
        raise NotComputable(f"count {m.value_raw!r} is not a whole number")
    return m.value, n, None
