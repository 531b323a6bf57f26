"""One comparison's effect and standard error, by the Cochrane Handbook's chapter 6 formulas.

- From an estimate and its CI: SE = (upper - lower) / (2 z), on the log scale for ratios (6.3.1).
- From a difference and the SE posted with it: that SE.
- From an estimate and an exact two-sided p-value: SE = |estimate| / z(p) (6.3.2); a bound ("<0.001")
  gives no SE.
- Mean difference of arm means: SE = sqrt(SE1² + SE0²), an arm's SE being SD/sqrt(n), its SE, or its CI
  width / (2 t(n-1)) below 60 participants and / (2 x 1.96) above (6.5.2.2).
- Log risk ratio of counts: statsmodels' effectsize_2proportions (SE² = 1/a - 1/n1 + 1/c - 1/n0), with
  0.5 added to every cell of a comparison with a zero cell (6.5.1, 10.4.4.2); no events in either
  arm gives no ratio. Its arithmetic is repeated here rather than imported: statsmodels brings pandas
  and scipy.stats (~78 MB) into every process normalising pages, which derive their effects.

Each result also carries the control arm's share of the variance, so a pool can split a control shared
by several doses (see pooling).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import ndtri, stdtrit

# scipy.special's ufuncs: the same quantiles as scipy.stats, without its per-call overhead.
Z95 = float(ndtri(0.975))
# Beyond these no posted number is an effect: a risk ratio of counts is at most the group size
# (ln 10^7 = 16), so a log ratio CI past +-50 or a difference CI past 10^12 is a mistyped number.
MAX_LOG_RATIO = 50.0
MAX_MAGNITUDE = 1e12
# Below this an SE squared (the pooling weight's inverse) loses its meaning in floating point.
MIN_SE = 1e-9
LARGE_SAMPLE = 60  # Cochrane 6.5.2.2: below this, a group's CI was built on t, not z


class NotComputable(Exception):
    """The values cannot give an effect; the message is the reason shown to the analyst."""


@dataclass(frozen=True)
class Effect:
    estimate: float  # natural scale
    ci_lower: float
    ci_upper: float
    analysis_estimate: float  # MD, or ln RR
    analysis_se: float
    control_share: float | None  # control arm's share of analysis_se², when known
    note: str | None = None


def _z_for(pct: float | None) -> float:
    level = 95.0 if pct is None else pct
    if not 50.0 <= level < 100.0:
        raise NotComputable(f"confidence level {level:g}% cannot give a standard error")
    return float(ndtri(1 - (1 - level / 100) / 2))


def _wrap(value: float, se: float, ratio: bool, share: float | None, note: str | None) -> Effect:
    if not (math.isfinite(value) and math.isfinite(se)) or se <= 0:
        raise NotComputable("the values give no finite standard error above zero")
    lo, hi = value - Z95 * se, value + Z95 * se
    if max(abs(lo), abs(hi)) > (MAX_LOG_RATIO if ratio else MAX_MAGNITUDE):
        raise NotComputable("the values are too large to be an effect (a mistyped number?)")
    if se < MIN_SE:
        raise NotComputable(
            f"a standard error of {se:.3g} is too small to be an effect's (a mistyped number?)"
        )
    if ratio:
        return Effect(math.exp(value), math.exp(lo), math.exp(hi), value, se, share, note)
    return Effect(value, lo, hi, value, se, share, note)


def from_ci(estimate: float, lower: float, upper: float, pct: float | None, ratio: bool) -> Effect:
    """An effect with its two-sided CI: the CI gives the SE; a 95% CI is kept as posted, another level
    is replaced by the 95% CI from that SE."""
    raw = (estimate, lower, upper)
    if ratio:
        if min(raw) <= 0:
            raise NotComputable("a ratio or its CI limit is not above zero")
        estimate, lower, upper = math.log(estimate), math.log(lower), math.log(upper)
    if not lower <= estimate <= upper:
        raise NotComputable("the estimate lies outside its confidence interval")
    se = (upper - lower) / (2 * _z_for(pct))
    effect = _wrap(estimate, se, ratio, None, None)
    if pct is None or pct == 95.0:
        return Effect(raw[0], raw[1], raw[2], effect.analysis_estimate, se, None, None)
    return replace(effect, note=f"posted {pct:g}% CI turned into a 95% CI")


def from_se(estimate: float, se: float, note: str) -> Effect:
    """A difference with its posted standard error (the analysis's own dispersion)."""
    return _wrap(estimate, se, False, None, note)


def from_p_value(estimate: float, p_value: float, ratio: bool) -> Effect:
    if not 0 < p_value < 1:
        raise NotComputable(f"p-value {p_value:g} cannot give a standard error")
    if ratio:
        if estimate <= 0:
            raise NotComputable("a ratio is not above zero")
        estimate = math.log(estimate)
    if estimate == 0:
        raise NotComputable("an estimate of zero with a p-value gives no standard error")
    z = float(-ndtri(p_value / 2))
    return _wrap(estimate, abs(estimate) / z, ratio, None, "SE from the exact p-value (Cochrane 6.3.2)")


@dataclass(frozen=True)
class ArmMean:
    mean: float
    n: float | None
    spread_kind: str  # sd / se / ci
    spread: float | None = None
    lower: float | None = None
    upper: float | None = None
    ci_pct: float | None = None


def arm_se(arm: ArmMean) -> float:
    if arm.spread_kind == "sd":
        if arm.spread is None:
            raise NotComputable("a standard deviation is missing")
        if not arm.n:
            raise NotComputable("a standard deviation needs the group's number analysed, which is missing")
        return arm.spread / math.sqrt(arm.n)
    if arm.spread_kind == "se":
        if arm.spread is None:
            raise NotComputable("a standard error is missing")
        return arm.spread
    if arm.lower is None or arm.upper is None:
        raise NotComputable("a confidence limit is missing")
    level = 95.0 if arm.ci_pct is None else arm.ci_pct
    if arm.n and arm.n < LARGE_SAMPLE:
        crit = float(stdtrit(arm.n - 1, 1 - (1 - level / 100) / 2))
    else:
        crit = _z_for(level)
    return (arm.upper - arm.lower) / (2 * crit)


def mean_difference(active: ArmMean, control: ArmMean) -> Effect:
    se1, se0 = arm_se(active), arm_se(control)
    var = se1**2 + se0**2
    share = se0**2 / var if var > 0 else None
    return _wrap(active.mean - control.mean, math.sqrt(var), False, share, None)


def risk_ratio(events_active: float, n_active: float, events_control: float, n_control: float) -> Effect:
    for events, n in ((events_active, n_active), (events_control, n_control)):
        if n <= 0 or events < 0 or events > n:
            raise NotComputable(f"{events:g} events among {n:g} participants is not a count")
    if events_active == 0 and events_control == 0:
        raise NotComputable("no events in either group: a risk ratio is not estimable (Cochrane 10.4.4.2)")
    zero = events_active in (0, n_active) or events_control in (0, n_control)
    # Only with a zero cell: statsmodels 0.15, given a correction, adds it to the counts of every
    # comparison but to the totals of zero-cell comparisons only, which would bias those without zeros.
    eff, var = log_risk_ratio(events_active, n_active, events_control, n_control, 0.5 if zero else 0.0)
    c, n0 = (events_control + 0.5, n_control + 1) if zero else (events_control, n_control)
    share = (1 / c - 1 / n0) / float(var[0]) if float(var[0]) > 0 else None
    note = "0.5 added to each cell (a zero cell)" if zero else None
    return _wrap(float(eff[0]), math.sqrt(float(var[0])), True, share, note)


def log_risk_ratio(
    a: float, n1: float, c: float, n0: float, correction: float
) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels' ``effectsize_2proportions(statistic="risk-ratio")`` (0.15) of one comparison, with
    ``correction`` added to each cell: its numpy operations in its order, so the same bits (tested)."""
    count1, nobs1, count2, nobs2 = (np.array([v], dtype=float) for v in (a, n1, c, n0))
    nobs1, nobs2 = nobs1 + 2 * correction, nobs2 + 2 * correction
    p1, p2 = (count1 + correction) / nobs1, (count2 + correction) / nobs2
    return np.log(p1) - np.log(p2), (1 - p1) / p1 / nobs1 + (1 - p2) / p2 / nobs2
