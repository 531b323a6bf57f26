"""Each trial's effect on each mapped endpoint: active group vs control group, with provenance.

For every posted result outcome mapped to an endpoint (``other`` is left out): the control is chosen from
the groups (controls.py); each other group gives one row, a multi-dose trial one row per dose. The
sponsor's posted analysis is used where it gives the endpoint's measure with a CI or exact p-value,
otherwise the arm values; a row that has neither says why in ``not_computed_reason``.

A trial can post several outcomes for one endpoint (a primary and a sensitivity window, say). One is
selected for pooling per trial x endpoint x population, so a trial is never counted twice: the primary
before secondary, other pre-specified and post hoc ones, then the lowest outcome index.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.outcomes.arm_values import Measurement, arm_events, arm_mean, pick_row_key
from pipeline.outcomes.controls import Arm, Group, GroupRole, choose_control, drug_words, group_role
from pipeline.outcomes.effect_math import Effect, NotComputable, mean_difference, risk_ratio
from pipeline.outcomes.posted import Analysis, posted_effect
from pipeline.outcomes.schemas import TRIAL_EFFECTS, column_rows, rows_to_table
from pipeline.outcomes.taxonomy import Taxonomy

MAX_ANALYSED = 10_000_000  # participants in one group: more than any trial has enrolled
KIND_RANK = {"primary": 0, "secondary": 1, "other_pre_specified": 2, "other": 2, "post_hoc": 3}
Key = tuple[str, int]


def _of_trials(table: pa.Table | None, nct_ids: set[str]) -> pa.Table | None:
    if table is None or table.num_rows == 0 or not nct_ids:
        return None
    return table.filter(pc.is_in(table.column("nct_id"), value_set=pa.array(sorted(nct_ids), pa.string())))


def _of_outcomes(table: pa.Table | None, outcomes: pa.Table) -> pa.Table | None:
    """The rows of the mapped outcomes only (a trial posts many outcomes, few map to an endpoint), in
    their original order: a filter on each row's (nct_id, outcome_idx) as one string, a third of the
    CPU of an Arrow join and restoring the row order."""
    if table is None or table.num_rows == 0 or outcomes.num_rows == 0:
        return None
    wanted = _outcome_keys(outcomes).combine_chunks()
    return table.filter(pc.is_in(_outcome_keys(table), value_set=wanted, skip_nulls=True))


def _outcome_keys(table: pa.Table) -> pa.ChunkedArray:
    """nct_id, KEY_SEPARATOR, outcome_idx: one string per (nct_id, outcome_idx) pair (the index is digits,
    so the last separator splits it back); null where either is."""
    index = pc.cast(table.column("outcome_idx"), pa.string())
    return pc.binary_join_element_wise(table.column("nct_id"), index, KEY_SEPARATOR)


KEY_SEPARATOR = "\x1f"
PER_OUTCOME = ("result_outcomes", "result_groups", "result_measurements", "result_analyses")
# The ClinicalTrials.gov tables compute_effects reads (interventions is optional).
RESULT_INPUTS = ("result_outcomes", "result_groups", "result_measurements", "result_analyses", "arms")
MEASUREMENT_COLUMNS = [
    "class_title",
    "category_title",
    "value_raw",
    "value",
    "spread_raw",
    "spread",
    "lower_limit_raw",
    "lower_limit",
    "upper_limit_raw",
    "upper_limit",
]
ANALYSIS_COLUMNS = [
    "analysis_idx",
    "group_ids",
    "p_value_raw",
    "p_value",
    "param_type",
    "param_value_raw",
    "param_value",
    "ci_pct_value",
    "ci_num_sides",
    "ci_lower_limit_raw",
    "ci_lower_limit",
    "ci_upper_limit_raw",
    "ci_upper_limit",
    "dispersion_type",
    "dispersion_value",
]


def compute_effects(endpoints: pa.Table, ctgov: Mapping[str, pa.Table], taxonomy: Taxonomy) -> pa.Table:
    """TRIAL_EFFECTS rows for the results outcomes of ``endpoints`` (map_endpoints' table), from the
    normaliser's tables ``ctgov`` (RESULT_INPUTS; ``interventions``, when given, tells a "Placebo" group
    from a "Drug X + placebo" one by name)."""
    measured = [code for code, endpoint in taxonomy.definitions.items() if endpoint.measure]
    wanted = (pc.field("outcome_source") == "results") & pc.field("endpoint_code").isin(measured)
    columns = ["nct_id", "outcome_idx", "outcome_kind", "endpoint_code", "population", "time_window"]
    mapped: dict[Key, dict] = {
        (row["nct_id"], row["outcome_idx"]): row
        for row in endpoints.filter(wanted).select(columns).to_pylist()
    }
    trials = {k[0] for k in mapped}
    keys = pa.table(
        {
            "nct_id": pa.array([k[0] for k in mapped], pa.string()),
            "outcome_idx": pa.array([k[1] for k in mapped], pa.int32()),
        }
    )
    tables = {name: _of_trials(ctgov.get(name), trials) for name in ("arms", "interventions")}
    tables.update({name: _of_outcomes(ctgov.get(name), keys) for name in PER_OUTCOME})
    info = {
        (n, i): (p, d, u)
        for n, i, p, d, u in column_rows(
            tables["result_outcomes"],
            ["nct_id", "outcome_idx", "param_type", "dispersion_type", "unit_of_measure"],
        )
    }
    groups = _groups(tables["result_groups"], mapped)
    measurements = _measurements(tables["result_measurements"], mapped)
    analyses = _analyses(tables["result_analyses"], mapped)
    arms_of: dict[str, list[Arm]] = defaultdict(list)
    for nct, label, arm_type in column_rows(tables["arms"], ["nct_id", "label", "arm_type"]):
        if label:
            arms_of[nct].append(Arm(label, arm_type))
    names_of: dict[str, list[str]] = defaultdict(list)
    for nct, name in column_rows(tables["interventions"], ["nct_id", "name"]):
        names_of[nct].append(name)
    drugs = {nct: drug_words(names, taxonomy) for nct, names in names_of.items()}
    role_cache: dict[tuple[str, str | None], GroupRole] = {}
    rows: list[dict] = []
    for key, ep in mapped.items():
        param_type, dispersion, unit = info.get(key, (None, None, None))
        base = {
            "nct_id": key[0],
            "outcome_idx": key[1],
            "outcome_kind": ep["outcome_kind"],
            "endpoint_code": ep["endpoint_code"],
            "population": ep["population"],
            "time_window": ep["time_window"],
            "effect_measure": taxonomy.endpoint(ep["endpoint_code"]).measure,
            "param_type": param_type,
            "dispersion_type": dispersion,
            "unit_of_measure": unit,
            "selected_for_pooling": False,
        }
        context = _Outcome(taxonomy, base, measurements.get(key, {}), analyses.get(key, []))
        trial = _Trial(key[0], arms_of.get(key[0], []), drugs.get(key[0], frozenset()), role_cache)
        rows += context.rows(groups.get(key, []), trial)
    _select_for_pooling(rows)
    return rows_to_table(rows, TRIAL_EFFECTS)


def _measurements(table: pa.Table | None, mapped: dict[Key, dict]) -> dict[Key, dict[str, list[Measurement]]]:
    """Each mapped outcome's posted values, by group id."""
    found: dict[Key, dict[str, list[Measurement]]] = defaultdict(lambda: defaultdict(list))
    for nct, idx, gid, *values in column_rows(
        table, ["nct_id", "outcome_idx", "group_id", *MEASUREMENT_COLUMNS]
    ):
        if (nct, idx) in mapped:
            found[(nct, idx)][gid].append(Measurement(*values))
    return found


def _analyses(table: pa.Table | None, mapped: dict[Key, dict]) -> dict[Key, list[Analysis]]:
    """Each mapped outcome's posted statistical analyses, in registry order."""
    found: dict[Key, list[Analysis]] = defaultdict(list)
    for nct, idx, aidx, gids, *values in column_rows(table, ["nct_id", "outcome_idx", *ANALYSIS_COLUMNS]):
        if (nct, idx) in mapped:
            found[(nct, idx)].append(Analysis(aidx, tuple(gids or ()), *values))
    return found


def _plausible_count(n: float | None) -> bool:
    """A number analysed is a whole number of people from 1 to MAX_ANALYSED; anything else ("1e308", a
    negative or fractional denominator) is read as not posted, so no effect or pool rests on it."""
    return n is not None and math.isfinite(n) and n == int(n) and 1 <= n <= MAX_ANALYSED


def _groups(table: pa.Table | None, mapped: dict[Key, dict]) -> dict[Key, list[Group]]:
    """Each outcome's groups with their number analysed (participants, where several units are given)."""
    found: dict[Key, dict[str, dict]] = defaultdict(dict)
    names = ["nct_id", "outcome_idx", "group_id", "title", "description", "denom_units", "denom_value"]
    for nct, idx, gid, title, description, units, n in column_rows(table, names):
        if (nct, idx) not in mapped:
            continue
        seen = found[(nct, idx)].get(gid)
        preferred = (units or "").lower() == "participants"
        if seen is None or (preferred and not seen["preferred"]):
            keep_title = title if title is not None else (seen or {}).get("title")
            found[(nct, idx)][gid] = {
                "title": keep_title,
                "description": description,
                "n": n if _plausible_count(n) else None,
                "preferred": preferred,
            }
    return {
        key: [Group(gid, g["title"], g["description"], g["n"]) for gid, g in by_group.items()]
        for key, by_group in found.items()
    }


@dataclass(frozen=True)
class _Trial:
    """What a trial's outcomes share: its arms, its drugs' words, and the role of each group title (a
    trial posts the same groups for every outcome, so each title is judged once)."""

    nct_id: str
    arms: list[Arm]
    drugs: frozenset[str]
    cache: dict[tuple[str, str | None], GroupRole]

    def role(self, group: Group, taxonomy: Taxonomy) -> GroupRole:
        key = (self.nct_id, group.title)
        role = self.cache.get(key)
        if role is None:
            role = self.cache[key] = group_role(group, self.arms, taxonomy, self.drugs)
        return role if role.group == group else replace(role, group=group)


class _Outcome:
    """One mapped outcome's comparisons."""

    def __init__(self, taxonomy: Taxonomy, base: dict, measurements: dict, analyses: list[Analysis]):
        self.taxonomy = taxonomy
        self.base = base
        self.measurements = measurements
        self.analyses = analyses
        self.endpoint = taxonomy.endpoint(base["endpoint_code"])
        self.measure = self.endpoint.measure

    def rows(self, groups: list[Group], trial: _Trial) -> list[dict]:
        if not groups:
            return [{**self.base, "not_computed_reason": "no result groups posted for this outcome"}]
        roles = [trial.role(g, self.taxonomy) for g in groups]
        control, others, reason = choose_control(roles)
        if reason is not None or control is None:
            return [{**self.base, "not_computed_reason": reason}]
        k = sum(1 for r in others if r.excluded is None)
        return [self._comparison(other, control, k) for other in others]

    def _comparison(self, active: GroupRole, control: GroupRole, k: int) -> dict:
        a, c = active.group, control.group
        row = {
            **self.base,
            "active_group_id": a.group_id,
            "active_group_title": a.title,
            "active_arm_label": active.arm.label if active.arm else None,
            "control_group_id": c.group_id,
            "control_group_title": c.title,
            "control_arm_label": control.arm.label if control.arm else None,
            "control_type": control.control_type,
            "control_rule": control.rule,
            "comparisons_sharing_control": k,
            "n_active": a.n,
            "n_control": c.n,
        }
        if active.excluded or active.arm_problem:
            row["not_computed_reason"] = active.excluded or active.arm_problem
            return row
        arm_effect, arm_reason, direction = self._from_arms(row, a, c)
        posted = posted_effect(self.analyses, a.group_id, c.group_id, self.measure, direction)
        notes = []
        if isinstance(posted, tuple):
            effect, analysis, n_posted = posted
            row.update(
                source="posted_analysis",
                posted_analysis_idx=analysis.analysis_idx,
                posted_param_type=analysis.param_type,
                posted_value_raw=analysis.param_value_raw,
                posted_ci_lower_raw=analysis.ci_lower_raw,
                posted_ci_upper_raw=analysis.ci_upper_raw,
                posted_p_value_raw=analysis.p_value_raw,
            )
            if n_posted > 1:
                notes.append(f"first usable of {n_posted} posted analyses of these groups")
            share = arm_effect.control_share if arm_effect else _share_from_n(a.n, c.n)
        elif arm_effect is not None:
            effect, share = arm_effect, arm_effect.control_share
            row["source"] = "arm_values"
            if not posted.startswith("no posted analysis"):
                notes.append(f"not used: {posted}")
        else:
            row["not_computed_reason"] = f"{posted}; arm values: {arm_reason}"
            return row
        if effect.note:
            notes.insert(0, effect.note)
        row.update(
            estimate=effect.estimate,
            ci_lower=effect.ci_lower,
            ci_upper=effect.ci_upper,
            analysis_estimate=effect.analysis_estimate,
            analysis_se=effect.analysis_se,
            control_variance_share=share,
            note="; ".join(notes) or None,
        )
        return row

    def _from_arms(self, row: dict, a: Group, c: Group) -> tuple[Effect | None, str | None, float | None]:
        """(effect from the arm values, reason when none, direction on the analysis scale)."""
        try:
            all_rows = [m for ms in self.measurements.values() for m in ms]
            if not all_rows:
                raise NotComputable("no arm values posted")
            key = pick_row_key(all_rows, self.endpoint.at_hours, self.measure == "risk_ratio")
            ma, mc = self._value(a, key), self._value(c, key)
            row.update(
                active_value_raw=ma.value_raw,
                active_spread_raw=ma.spread_text,
                control_value_raw=mc.value_raw,
                control_spread_raw=mc.spread_text,
            )
            if self.measure == "mean_difference":
                direction = ma.value - mc.value if ma.value is not None and mc.value is not None else None
                params = (row["param_type"], row["dispersion_type"])
                try:
                    effect = mean_difference(arm_mean(ma, a.n, *params), arm_mean(mc, c.n, *params))
                    return effect, None, direction
                except NotComputable as exc:
                    return None, str(exc), direction
            ea, na, note_a = arm_events(ma, a.n, row["param_type"], row["unit_of_measure"])
            ec, nc, _ = arm_events(mc, c.n, row["param_type"], row["unit_of_measure"])
            effect = risk_ratio(ea, na, ec, nc)
            note = "; ".join(n for n in (note_a and "events derived from percentages", effect.note) if n)
            effect = replace(effect, note=note or None)
            return effect, None, effect.analysis_estimate
        except NotComputable as exc:
            return None, str(exc), None

    def _value(self, group: Group, key: tuple) -> Measurement:
        for m in self.measurements.get(group.group_id, []):
            if m.key == key:
                return m
        raise NotComputable(f"no value posted for group {group.title!r} ({group.group_id})")


def _share_from_n(n_active: float | None, n_control: float | None) -> float | None:
    """Control's variance share assuming equal spread in both arms: (1/n0) / (1/n1 + 1/n0)."""
    if not n_active or not n_control:
        return None
    return (1 / n_control) / (1 / n_active + 1 / n_control)


def _select_for_pooling(rows: list[dict]) -> None:
    by_trial: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        if row.get("analysis_estimate") is not None and math.isfinite(row["analysis_estimate"]):
            by_trial[(row["nct_id"], row["endpoint_code"], row["population"])].append(row)
    for candidates in by_trial.values():
        chosen = min(candidates, key=lambda r: (KIND_RANK.get(r["outcome_kind"] or "", 4), r["outcome_idx"]))
        for row in candidates:
            if row["outcome_idx"] == chosen["outcome_idx"]:
                row["selected_for_pooling"] = True
            else:
                kind = chosen["outcome_kind"] or "unlabelled"
                used = chosen["outcome_idx"]
                row["selection_note"] = (
                    f"not pooled: the trial's {kind} outcome {used} is used for this endpoint"
                )
