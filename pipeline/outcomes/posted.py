"""The sponsor's posted analysis of one active group against its control, where it gives the effect.

An analysis is used only when it compares exactly these two groups, its parameter type names the
endpoint's measure (a posted odds ratio is not a risk ratio), and it gives an estimate with a two-sided
CI, or (for a difference) the standard error of the estimate, or an exact p-value, in that order. Its
direction is checked against the arm values where they exist: some sponsors post control minus active.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.outcomes.effect_math import Effect, NotComputable, from_ci, from_p_value, from_se

_MEASURES = (
    ("odds_ratio", re.compile(r"odds ratio", re.I)),
    ("hazard_ratio", re.compile(r"hazard ratio", re.I)),
    ("risk_ratio", re.compile(r"risk ratio|relative risk|ratio of (?:proportions|percentages|risks)", re.I)),
    (
        "risk_difference",
        re.compile(
            r"risk difference|(?:percentage|proportion) difference|"
            r"difference in (?:proportion|percentage|risk)",
            re.I,
        ),
    ),
    ("median_difference", re.compile(r"median", re.I)),
    (
        "mean_difference",
        re.compile(
            r"mean difference|difference in (?:the )?(?:ls |least[ -]squares? )?means?|"
            r"(?:ls|least[ -]squares?) mean diff|difference of (?:ls )?means",
            re.I,
        ),
    ),
)
_BOUND = re.compile(r"^\s*[<>≤≥]")


@dataclass(frozen=True)
class Analysis:
    analysis_idx: int
    group_ids: tuple[str, ...]
    p_value_raw: str | None
    p_value: float | None
    param_type: str | None
    param_value_raw: str | None
    param_value: float | None
    ci_pct: float | None
    ci_sides: str | None
    ci_lower_raw: str | None
    ci_lower: float | None
    ci_upper_raw: str | None
    ci_upper: float | None
    dispersion_type: str | None = None  # the estimate's own spread: STANDARD_ERROR_OF_MEAN, ...
    dispersion_value: float | None = None


def posted_measure(param_type: str | None) -> str | None:
    for measure, pattern in _MEASURES:
        if param_type and pattern.search(param_type):
            return measure
    return None


def _named(measure: str) -> str:
    words = measure.replace("_", " ")
    return f"an {words}" if words[0] in "aeiou" else f"a {words}"


def _effect(a: Analysis, measure: str) -> Effect:
    if a.param_type is None and a.param_value_raw is None:
        raise NotComputable(f"it posts no estimate, only p-value {a.p_value_raw!r}")
    found = posted_measure(a.param_type)
    if found is None:
        raise NotComputable(f"parameter type {a.param_type!r} is not one this pipeline reads")
    if found != measure:
        raise NotComputable(f"it gives {_named(found)}, not {_named(measure)}")
    if a.param_value is None:
        raise NotComputable(f"estimate {a.param_value_raw!r} is not a number")
    ratio = measure == "risk_ratio"
    sides = (a.ci_sides or "").upper()
    ci_problem = None
    if sides and sides != "TWO_SIDED":
        ci_problem = f"its CI is {a.ci_sides}"
    elif a.ci_lower is None or a.ci_upper is None:
        ci_problem = f"CI limits {a.ci_lower_raw!r} to {a.ci_upper_raw!r} are not both numbers"
    if ci_problem is None:
        return from_ci(a.param_value, a.ci_lower, a.ci_upper, a.ci_pct, ratio)
    if _posted_se(a) is not None and not ratio:
        return from_se(a.param_value, _posted_se(a), "SE of the difference as posted (its CI is unusable)")
    if a.p_value is None or a.p_value_raw is None:
        raise NotComputable(f"{ci_problem} and no p-value is posted")
    if _BOUND.match(a.p_value_raw):
        raise NotComputable(f"{ci_problem} and p-value {a.p_value_raw!r} is a bound, not a value")
    return from_p_value(a.param_value, a.p_value, ratio)


def _posted_se(a: Analysis) -> float | None:
    """The standard error the sponsor posted for the estimate itself (a ratio's would be on its natural
    scale, not the log scale pooling needs, so it is used for differences only)."""
    if "STANDARD_ERROR" not in (a.dispersion_type or "").upper():
        return None
    return a.dispersion_value if a.dispersion_value is not None and a.dispersion_value > 0 else None


def posted_effect(
    analyses: list[Analysis], active_id: str, control_id: str, measure: str, arm_estimate: float | None
) -> tuple[Effect, Analysis, int] | str:
    """(effect, the analysis used, how many compared the pair) or the reason none could be used.
    ``arm_estimate`` (analysis scale, from the arm values) decides the direction when given."""
    pair = {active_id, control_id}
    candidates = [a for a in analyses if set(a.group_ids) == pair and len(a.group_ids) == 2]
    if not candidates:
        return "no posted analysis compares exactly these two groups"
    reasons = []
    for a in candidates:
        try:
            effect = _effect(a, measure)
        except NotComputable as exc:
            reasons.append(f"posted analysis {a.analysis_idx}: {exc}")
            continue
        return _oriented(effect, arm_estimate, measure == "risk_ratio"), a, len(candidates)
    return "; ".join(reasons)


def _oriented(effect: Effect, arm_estimate: float | None, ratio: bool) -> Effect:
    """Control-minus-active postings turned round, when the arm values show the other direction."""
    value = effect.analysis_estimate
    if arm_estimate is None or value == 0 or abs(value + arm_estimate) >= abs(value - arm_estimate):
        return effect
    if ratio:
        est, lo, hi = 1 / effect.estimate, 1 / effect.ci_upper, 1 / effect.ci_lower
        note = "posted as control vs active: ratio inverted"
    else:
        est, lo, hi = -effect.estimate, -effect.ci_upper, -effect.ci_lower
        note = "posted as control minus active: sign reversed"
    note = f"{effect.note}; {note}" if effect.note else note
    return replace(effect, estimate=est, ci_lower=lo, ci_upper=hi, analysis_estimate=-value, note=note)
