-- grain: trial version x posted outcome mapped to an endpoint x active group vs control (one partition per run)
-- key: nct_id, run_id, outcome_idx, active_group_id
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_trial_effects AS
SELECT
    nct_id, outcome_idx, outcome_kind, endpoint_code, population, time_window, active_group_id,
    active_group_title, active_arm_label, control_group_id, control_group_title, control_arm_label,
    control_type, control_rule, comparisons_sharing_control, effect_measure, estimate, ci_lower, ci_upper,
    analysis_estimate, analysis_se, control_variance_share, n_active, n_control, source,
    posted_analysis_idx, posted_param_type, posted_value_raw, posted_ci_lower_raw, posted_ci_upper_raw,
    posted_p_value_raw, param_type, dispersion_type, unit_of_measure, active_value_raw, active_spread_raw,
    control_value_raw, control_spread_raw, note, not_computed_reason, selected_for_pooling, selection_note,
    run_id
FROM src_ctgov_trial_effects;
