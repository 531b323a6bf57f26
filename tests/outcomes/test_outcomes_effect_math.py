"""Per-comparison effects against values computed independently of this code.

- Log risk ratios and variances: R metafor ``escalc(measure="RR", ...)`` on ``dat.fine1993`` (columns
  e2i/nei vs c2i/nci), as quoted in statsmodels' test results
  (statsmodels/stats/tests/results/results_meta.py, ``y_rr``/``v_rr``).
- Standard errors from CIs: Cochrane Handbook section 6.5.2.2 (a 95% CI of a group of 25 is 2 x 2.0639 =
  4.128 standard errors wide, t with 24 df; 3.92 for large groups) and a real posted analysis whose
  sponsor also posted the SE (NCT02210780, below).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.meta_analysis import effectsize_2proportions

from pipeline.outcomes.effect_math import (
    ArmMean,
    NotComputable,
    arm_se,
    from_ci,
    from_p_value,
    log_risk_ratio,
    mean_difference,
    risk_ratio,
)

# dat.fine1993 rows 1, 2, 4, 14: (e2i, nei, c2i, nci) -> metafor (yi, vi)
METAFOR_RR = [
    ((11, 19, 12, 22), 0.0595920972022457, 0.0761562998405104),
    ((18, 34, 12, 35), 0.434452644981417, 0.080905695611578),
    ((14, 22, 5, 20), 0.934309237376833, 0.175974025974026),
    ((18, 45, 3, 15), 0.693147180559945, 0.3),
]


def testlog_risk_ratio_is_statsmodels_to_the_bit():
    # Its own arithmetic spares every normalising process importing statsmodels: the same bits, with and
    # without the zero-cell correction, small and large groups, half counts.
    rng = np.random.default_rng(14)
    cases = [
        (a, n1, c, n0)
        for n1 in (1, 2, 7, 40)
        for n0 in (1, 3, 39)
        for a in range(n1 + 1)
        for c in range(n0 + 1)
    ]
    n1s, n0s = rng.integers(1, 10**6, 2000), rng.integers(1, 10**6, 2000)
    cases += [
        (int(rng.integers(0, n1 + 1)), n1, int(rng.integers(0, n0 + 1)), n0)
        for n1, n0 in zip(n1s, n0s, strict=True)
    ]
    cases += [(a + 0.5, n1 + 1, c, n0) for a, n1, c, n0 in cases[:500]]
    for a, n1, c, n0 in cases:
        if a == 0 and c == 0:
            continue
        zero = a in (0, n1) or c in (0, n0)
        counts = [np.array([v], dtype=float) for v in (a, n1, c, n0)]
        expected = effectsize_2proportions(
            *counts, statistic="risk-ratio", zero_correction=0.5 if zero else None
        )
        got = log_risk_ratio(a, n1, c, n0, 0.5 if zero else 0.0)
        assert [v.tobytes() for v in got] == [v.tobytes() for v in expected], (a, n1, c, n0)


@pytest.mark.parametrize(("counts", "yi", "vi"), METAFOR_RR)
def testlog_risk_ratio_matches_metafor(counts, yi, vi):
    effect = risk_ratio(*counts)
    assert effect.analysis_estimate == pytest.approx(yi, abs=1e-12)
    assert effect.analysis_se**2 == pytest.approx(vi, abs=1e-12)
    assert effect.estimate == pytest.approx(math.exp(yi))
    assert effect.note is None  # no zero cell, no correction


def test_a_zero_cell_adds_half_to_every_cell_and_says_so():
    effect = risk_ratio(0, 20, 3, 20)
    # Cochrane 6.5.1 / metafor add=1/2, to="only0": (0.5/21) / (3.5/21)
    assert effect.estimate == pytest.approx(0.5 / 3.5)
    assert effect.analysis_se**2 == pytest.approx(1 / 0.5 - 1 / 21 + 1 / 3.5 - 1 / 21)
    assert effect.note == "0.5 added to each cell (a zero cell)"


def test_no_events_in_either_group_gives_a_reason_not_a_number():
    with pytest.raises(NotComputable, match="no events in either group"):
        risk_ratio(0, 50, 0, 48)
    with pytest.raises(NotComputable, match="is not a count"):
        risk_ratio(60, 50, 3, 48)


def test_se_of_a_group_mean_from_its_ci_uses_t_below_60_and_z_above():
    small = ArmMean(6.0, 25, "ci", lower=3.8, upper=8.2)
    assert arm_se(small) == pytest.approx(4.4 / 4.128, rel=1e-4)  # Cochrane 6.5.2.2: 2 x 2.0639
    large = ArmMean(6.0, 400, "ci", lower=3.8, upper=8.2)
    assert arm_se(large) == pytest.approx(4.4 / 3.92, rel=1e-3)
    assert arm_se(ArmMean(1.0, 100, "sd", spread=5.0)) == pytest.approx(0.5)


def test_mean_difference_of_arm_means_with_sd():
    effect = mean_difference(ArmMean(-4.0, 100, "sd", spread=3.0), ArmMean(-2.5, 80, "sd", spread=4.0))
    se = math.sqrt(3.0**2 / 100 + 4.0**2 / 80)
    assert effect.estimate == pytest.approx(-1.5)
    assert effect.analysis_se == pytest.approx(se)
    assert (effect.ci_lower, effect.ci_upper) == pytest.approx((-1.5 - 1.959964 * se, -1.5 + 1.959964 * se))
    assert effect.control_share == pytest.approx((16 / 80) / (9 / 100 + 16 / 80))
    with pytest.raises(NotComputable, match="number analysed"):
        mean_difference(ArmMean(-4.0, None, "sd", spread=3.0), ArmMean(-2.5, 80, "sd", spread=4.0))


def test_a_posted_90_percent_ci_gives_the_se_the_sponsor_posted():
    # NCT02210780 (shared fixture studies/), outcome 6: LS mean difference -2.13, 90% CI -2.72 to -1.55;
    # the same analysis posts its standard error, 0.354 (dispersionValue).
    effect = from_ci(-2.13, -2.72, -1.55, 90.0, ratio=False)
    assert effect.analysis_se == pytest.approx(0.354, abs=0.002)
    assert effect.note == "posted 90% CI turned into a 95% CI"
    assert effect.ci_lower == pytest.approx(-2.13 - 1.959964 * effect.analysis_se)


def test_a_95_percent_ci_is_kept_as_posted_and_ratios_work_on_the_log_scale():
    effect = from_ci(1.59, 1.12, 2.27, None, ratio=True)
    assert (effect.estimate, effect.ci_lower, effect.ci_upper) == (1.59, 1.12, 2.27)
    assert effect.analysis_se == pytest.approx((math.log(2.27) - math.log(1.12)) / 3.919928)
    with pytest.raises(NotComputable, match="outside its confidence interval"):
        from_ci(-3.0, -1.6, -0.5, 95.0, ratio=False)
    with pytest.raises(NotComputable, match="not above zero"):
        from_ci(1.2, 0.0, 2.0, 95.0, ratio=True)


def test_se_from_an_exact_p_value():
    # Cochrane 6.3.2: SE = estimate / Z, Z the normal quantile of the two-sided P (2.652 for P = 0.008,
    # from a normal table).
    effect = from_p_value(3.8, 0.008, ratio=False)
    assert effect.analysis_se == pytest.approx(3.8 / 2.652, rel=1e-3)
    with pytest.raises(NotComputable, match="no standard error"):
        from_p_value(0.0, 0.5, ratio=False)
