"""Trial effects pooled per treatment class x endpoint x population, with statsmodels' meta-analysis.

``combine_effects(method_re="pm", use_t=True)``: Paule-Mandel tau², random-effects estimate with the
Hartung-Knapp CI (statsmodels' "random effect wls" interval, t with k-1 df; checked by its authors
against R metafor), and the inverse-variance fixed effect with its normal CI beside it. I² is the
Q-based max(0, (Q - df) / Q) that RevMan and the published migraine meta-analyses report; the 95%
prediction interval is mu ± t(k-2) sqrt(tau² + SE(mu)²) (Higgins, Thompson & Spiegelhalter 2009),
given from three comparisons on.

A control shared by several doses is split, not counted twice (Cochrane Handbook 23.3.4): each of the k
comparisons that share it gets the control's variance component multiplied by k, as if it had 1/k of
the control participants. That component is the row's ``control_variance_share`` (exact from arm
values; from the group sizes, assuming equal spread, for a posted analysis; taken as 1, the most
cautious, when unknown). The forest plot thus shows one row per dose, and n_participants counts the
shared control once. Only rows ``selected_for_pooling`` enter (one outcome per trial x endpoint). A class
with one trial gets that trial's estimate (its doses combined by inverse variance), not a random-effects
pool: between-trial variance cannot be estimated from one trial.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import stdtrit

from pipeline.outcomes.effect_math import Z95
from pipeline.outcomes.schemas import CLASS_EFFECT_MEMBERS, CLASS_EFFECTS, column_rows, rows_to_table
from pipeline.outcomes.taxonomy import Taxonomy

# Imported on first use (with scipy.stats and pandas, about 1 s): commands that pool nothing skip it.
STATISTICS_MODULE = "statsmodels.stats.meta_analysis"
NOT_STATED = "not_stated"
RE_METHOD = "random effects: Paule-Mandel tau², Hartung-Knapp 95% CI (t, k-1 df)"
SINGLE = "one trial: its estimate (doses combined by fixed effect, the shared control split)"


class ClassEffectTables(NamedTuple):
    class_effects: pa.Table  # CLASS_EFFECTS
    members: pa.Table  # CLASS_EFFECT_MEMBERS


def pool_class_effects(effects: pa.Table, trial_classes: pa.Table, taxonomy: Taxonomy) -> ClassEffectTables:
    """``effects``: compute_effects' table; ``trial_classes``: (nct_id, treatment_class) rows."""
    chosen = effects.filter(pc.field("selected_for_pooling")).to_pylist()
    chosen = [r for r in chosen if r["analysis_se"] and r["analysis_se"] > 0]
    sharing: dict[tuple, int] = defaultdict(int)
    for r in chosen:
        sharing[(r["nct_id"], r["outcome_idx"], r["control_group_id"])] += 1
    classes: dict[str, set[str]] = defaultdict(set)
    for nct_id, cls in column_rows(trial_classes, ["nct_id", "treatment_class"]):
        classes[nct_id].add(cls)
    pools: dict[tuple, list[dict]] = defaultdict(list)
    for r in chosen:
        for cls in classes.get(r["nct_id"], ()):
            pools[(cls, r["endpoint_code"], r["population"] or NOT_STATED)].append(r)
    order = {code: i for i, code in enumerate(taxonomy.definitions)}
    effect_rows, member_rows = [], []
    for key in sorted(pools, key=lambda k: (k[0], order.get(k[1], len(order)), k[2])):
        pooled, members = _pool(key, pools[key], sharing, taxonomy)
        effect_rows.append(pooled)
        member_rows += members
    return ClassEffectTables(
        rows_to_table(effect_rows, CLASS_EFFECTS), rows_to_table(member_rows, CLASS_EFFECT_MEMBERS)
    )


def _exp(x: float) -> float:
    """Back to the ratio scale; a limit beyond the floats (a wide prediction interval of few trials on
    the log scale) is infinite, which it is at this precision."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _variance(row: dict, k: int) -> float:
    share = row["control_variance_share"]
    share = 1.0 if share is None else min(max(share, 0.0), 1.0)
    return row["analysis_se"] ** 2 * (1 + (k - 1) * share)


def _participants(rows: list[dict]) -> tuple[int | None, bool]:
    """(participants, complete): active arms plus each control once; arms of unknown size left out."""
    total, complete, controls = 0.0, True, {}
    for r in rows:
        if r["n_active"] is None:
            complete = False
        else:
            total += r["n_active"]
        controls[(r["nct_id"], r["outcome_idx"], r["control_group_id"])] = r["n_control"]
    for n in controls.values():
        if n is None:
            complete = False
        else:
            total += n
    return (round(total) if total else None), complete


def _pool(key: tuple, rows: list[dict], sharing: dict, taxonomy: Taxonomy) -> tuple[dict, list[dict]]:
    cls, code, population = key
    ratio = taxonomy.endpoint(code).measure == "risk_ratio"
    back = _exp if ratio else (lambda x: x)
    splits = [sharing[(r["nct_id"], r["outcome_idx"], r["control_group_id"])] for r in rows]
    eff = np.array([r["analysis_estimate"] for r in rows], dtype=float)
    var = np.array([_variance(r, k) for r, k in zip(rows, splits, strict=True)], dtype=float)
    n, complete = _participants(rows)
    notes = [] if complete else ["n_participants leaves out arms whose size was not posted"]
    if any(k > 1 for k in splits):
        notes.append("a control shared by several doses is split among them")
    out = {
        "treatment_class": cls,
        "endpoint_code": code,
        "population": population,
        "effect_measure": taxonomy.endpoint(code).measure,
        "n_trials": len({r["nct_id"] for r in rows}),
        "n_comparisons": len(rows),
        "n_participants": n,
        "nct_ids": sorted({r["nct_id"] for r in rows}),
    }
    if out["n_trials"] == 1:
        # No between-trial variance from one trial; a t interval on its doses' spread would mislead.
        w = 1 / var
        mu, se = float((w * eff).sum() / w.sum()), math.sqrt(1 / float(w.sum()))
        lo, hi = mu - Z95 * se, mu + Z95 * se
        out.update(
            method=SINGLE,
            analysis_estimate=mu,
            analysis_se=se,
            estimate=back(mu),
            ci_lower=back(lo),
            ci_upper=back(hi),
            fixed_estimate=back(mu),
            fixed_ci_lower=back(lo),
            fixed_ci_upper=back(hi),
        )
        w_re = w_fe = 100 * w / w.sum()
    else:
        from statsmodels.stats.meta_analysis import combine_effects  # STATISTICS_MODULE: on first use

        with np.errstate(divide="ignore", invalid="ignore"):
            res = combine_effects(eff, var, method_re="pm", use_t=True)
            _, _, _, ci_hk = res.conf_int(use_t=True)
            ci_fe = res.conf_int(use_t=False)[0]
        k = len(rows)
        mu, tau2 = float(res.mean_effect_re), max(float(res.tau2), 0.0)
        out.update(
            method=RE_METHOD,
            analysis_estimate=mu,
            analysis_se=float(res.sd_eff_w_re_hksj),
            estimate=back(mu),
            ci_lower=back(float(ci_hk[0])),
            ci_upper=back(float(ci_hk[1])),
            tau2=tau2,
            i2=100 * max(0.0, float(res.i2)) if math.isfinite(float(res.i2)) else 0.0,
            q=float(res.q),
            q_pvalue=float(res.test_homogeneity().pvalue),
            fixed_estimate=back(float(res.mean_effect_fe)),
            fixed_ci_lower=back(float(ci_fe[0])),
            fixed_ci_upper=back(float(ci_fe[1])),
        )
        if k >= 3:
            half = float(stdtrit(k - 2, 0.975)) * math.sqrt(tau2 + float(res.sd_eff_w_re) ** 2)
            out.update(prediction_lower=back(mu - half), prediction_upper=back(mu + half))
        else:
            notes.append("no prediction interval below three comparisons")
        w_re, w_fe = 100 * np.asarray(res.weights_rel_re), 100 * np.asarray(res.weights_rel_fe)
    out["note"] = "; ".join(notes) or None
    members = [
        {
            "treatment_class": cls,
            "endpoint_code": code,
            "population": population,
            "nct_id": r["nct_id"],
            "outcome_idx": r["outcome_idx"],
            "active_group_id": r["active_group_id"],
            "control_group_id": r["control_group_id"],
            "label": f"{r['nct_id']} {r['active_group_title'] or r['active_group_id']} vs "
            f"{r['control_group_title'] or r['control_group_id']}",
            "estimate": back(r["analysis_estimate"]),
            "ci_lower": back(r["analysis_estimate"] - Z95 * math.sqrt(v)),
            "ci_upper": back(r["analysis_estimate"] + Z95 * math.sqrt(v)),
            "analysis_estimate": r["analysis_estimate"],
            "variance_used": float(v),
            "control_split": k,
            "weight_random": float(wr),
            "weight_fixed": float(wf),
        }
        for r, v, k, wr, wf in zip(rows, var, splits, w_re, w_fe, strict=True)
    ]
    return out, members
