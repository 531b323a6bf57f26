"""Arrow schemas of the outcome tables: the contract between pipeline/outcomes and the warehouse.

Every number keeps the raw text it came from beside it, and a row that carries no number says why in
``not_computed_reason``: an analyst can check each estimate against the registry record by eye.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

STR_LIST = pa.list_(pa.string())

# The endpoint taxonomy as configured (config.yaml endpoints.definitions), in config order.
ENDPOINTS = pa.schema(
    [
        pa.field("endpoint_code", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("higher_is_better", pa.bool_()),
        pa.field("effect_measure", pa.string()),  # mean_difference / risk_ratio; NULL for other
        pa.field("at_hours", pa.float64()),
        pa.field("position", pa.int32(), nullable=False),
    ]
)

# One row per registered outcome (design) and per posted result outcome (results).
TRIAL_ENDPOINTS = pa.schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("outcome_source", pa.string(), nullable=False),  # design / results
        pa.field("outcome_kind", pa.string()),  # primary / secondary / other / other_pre_specified / post_hoc
        pa.field("outcome_idx", pa.int32(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("endpoint_code", pa.string(), nullable=False),
        pa.field("matched_rule", pa.string()),  # "<endpoint>: <rule name>"; NULL for other
        pa.field("matched_field", pa.string()),  # title / description
        pa.field("matched_terms", STR_LIST),  # the configured terms that matched, one per all_of group
        pa.field("matched_text", pa.string()),  # the matched words in context
        pa.field("mapping_note", pa.string()),  # e.g. why a matching rule was not taken (stated hours)
        pa.field("time_window", pa.string()),  # normalised: "weeks 9-12", "2 hours post dose", "month 3"
        pa.field("time_window_field", pa.string()),  # title / time_frame
        pa.field("population", pa.string()),  # episodic / chronic / mixed; NULL when nowhere stated
        pa.field("population_field", pa.string()),  # e.g. outcome.title, trial.conditions
    ]
)

# One row per trial x results outcome mapped to an endpoint x active group vs control group; an outcome
# with no usable comparison still has one row, with its reason.
TRIAL_EFFECTS = pa.schema(
    [
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("outcome_idx", pa.int32(), nullable=False),
        pa.field("outcome_kind", pa.string()),
        pa.field("endpoint_code", pa.string(), nullable=False),
        pa.field("population", pa.string()),
        pa.field("time_window", pa.string()),
        pa.field("active_group_id", pa.string()),
        pa.field("active_group_title", pa.string()),
        pa.field("active_arm_label", pa.string()),
        pa.field("control_group_id", pa.string()),
        pa.field("control_group_title", pa.string()),
        pa.field("control_arm_label", pa.string()),
        # placebo / sham / no_intervention / standard_care / active_comparator
        pa.field("control_type", pa.string()),
        pa.field("control_rule", pa.string()),  # which rule chose the control, with the words it read
        pa.field("comparisons_sharing_control", pa.int32()),  # active groups compared with this control
        pa.field("effect_measure", pa.string()),  # mean_difference / risk_ratio
        pa.field("estimate", pa.float64()),  # natural scale: days, points, or the ratio
        pa.field("ci_lower", pa.float64()),  # 95% CI, natural scale
        pa.field("ci_upper", pa.float64()),
        pa.field("analysis_estimate", pa.float64()),  # scale of pooling: MD, or ln RR
        pa.field("analysis_se", pa.float64()),
        pa.field("control_variance_share", pa.float64()),  # share of the variance due to the control arm
        pa.field("n_active", pa.float64()),
        pa.field("n_control", pa.float64()),
        pa.field("source", pa.string()),  # posted_analysis / arm_values; NULL when not computed
        pa.field("posted_analysis_idx", pa.int32()),
        pa.field("posted_param_type", pa.string()),
        pa.field("posted_value_raw", pa.string()),
        pa.field("posted_ci_lower_raw", pa.string()),
        pa.field("posted_ci_upper_raw", pa.string()),
        pa.field("posted_p_value_raw", pa.string()),
        pa.field("param_type", pa.string()),  # the arm values' parameter and dispersion types and unit
        pa.field("dispersion_type", pa.string()),
        pa.field("unit_of_measure", pa.string()),
        pa.field("active_value_raw", pa.string()),
        pa.field("active_spread_raw", pa.string()),
        pa.field("control_value_raw", pa.string()),
        pa.field("control_spread_raw", pa.string()),
        pa.field("note", pa.string()),  # how the number was obtained when not plain (sign, zero cells...)
        pa.field("not_computed_reason", pa.string()),
        pa.field("selected_for_pooling", pa.bool_(), nullable=False),
        pa.field("selection_note", pa.string()),
    ]
)

# One row per treatment class x endpoint x population with at least one trial effect.
CLASS_EFFECTS = pa.schema(
    [
        pa.field("treatment_class", pa.string(), nullable=False),
        pa.field("endpoint_code", pa.string(), nullable=False),
        pa.field("population", pa.string(), nullable=False),  # episodic / chronic / mixed / not_stated
        pa.field("effect_measure", pa.string(), nullable=False),
        pa.field("n_trials", pa.int32(), nullable=False),
        pa.field("n_comparisons", pa.int32(), nullable=False),
        pa.field("n_participants", pa.int64()),  # a shared control counted once; arms of unknown n left out
        pa.field("nct_ids", STR_LIST, nullable=False),
        pa.field("method", pa.string(), nullable=False),
        pa.field("estimate", pa.float64(), nullable=False),  # random effects, natural scale
        pa.field("ci_lower", pa.float64(), nullable=False),  # Hartung-Knapp 95% CI
        pa.field("ci_upper", pa.float64(), nullable=False),
        pa.field("analysis_estimate", pa.float64(), nullable=False),  # MD or ln RR
        pa.field("analysis_se", pa.float64(), nullable=False),  # Hartung-Knapp SE
        pa.field("tau2", pa.float64()),  # Paule-Mandel, on the analysis scale
        pa.field("i2", pa.float64()),  # percent, from Q: max(0, (Q - df) / Q)
        pa.field("q", pa.float64()),
        pa.field("q_pvalue", pa.float64()),
        pa.field("prediction_lower", pa.float64()),  # 95% prediction interval, natural scale (k >= 3)
        pa.field("prediction_upper", pa.float64()),
        pa.field("fixed_estimate", pa.float64(), nullable=False),  # inverse-variance fixed effect
        pa.field("fixed_ci_lower", pa.float64(), nullable=False),
        pa.field("fixed_ci_upper", pa.float64(), nullable=False),
        pa.field("note", pa.string()),
    ]
)

# The comparisons behind each CLASS_EFFECTS row with their weights: the forest plot's rows.
CLASS_EFFECT_MEMBERS = pa.schema(
    [
        pa.field("treatment_class", pa.string(), nullable=False),
        pa.field("endpoint_code", pa.string(), nullable=False),
        pa.field("population", pa.string(), nullable=False),
        pa.field("nct_id", pa.string(), nullable=False),
        pa.field("outcome_idx", pa.int32(), nullable=False),
        pa.field("active_group_id", pa.string(), nullable=False),
        pa.field("control_group_id", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),  # "NCT… <active> vs <control>"
        pa.field("estimate", pa.float64(), nullable=False),
        pa.field("ci_lower", pa.float64(), nullable=False),  # 95% CI from variance_used
        pa.field("ci_upper", pa.float64(), nullable=False),
        pa.field("analysis_estimate", pa.float64(), nullable=False),
        pa.field("variance_used", pa.float64(), nullable=False),  # after splitting a shared control
        pa.field("control_split", pa.int32(), nullable=False),  # comparisons sharing the control
        pa.field("weight_random", pa.float64(), nullable=False),  # percent of the random-effects weight
        pa.field("weight_fixed", pa.float64(), nullable=False),
    ]
)

# Table name (as the warehouse would call it) -> schema.
TABLES: dict[str, pa.Schema] = {
    "endpoints": ENDPOINTS,
    "trial_endpoints": TRIAL_ENDPOINTS,
    "trial_effects": TRIAL_EFFECTS,
    "class_effects": CLASS_EFFECTS,
    "class_effect_members": CLASS_EFFECT_MEMBERS,
}


def rows_to_table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Row dicts -> a table of exactly ``schema`` (missing keys are NULL), also when there are no rows."""
    return pa.Table.from_pylist(rows, schema=schema)


def column_rows(table: pa.Table | None, names: list[str]) -> Iterator[tuple]:
    """Rows of the named columns as tuples (faster than to_pylist's dicts); a missing column reads NULL."""
    if table is None or table.num_rows == 0:
        return iter(())
    n = table.num_rows
    cols = [table.column(c).to_pylist() if c in table.column_names else [None] * n for c in names]
    return zip(*cols, strict=True)
