-- grain: trial version x results outcome x statistical analysis
-- key: nct_id, run_id, outcome_idx, analysis_idx
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_result_analyses AS
SELECT
    nct_id, outcome_idx, analysis_idx, group_ids, group_description, p_value_raw, p_value,
    p_value_comment, statistical_method, statistical_comment, param_type, param_value_raw, param_value,
    dispersion_type, dispersion_value_raw, dispersion_value, ci_pct_value, ci_num_sides,
    ci_lower_limit_raw, ci_lower_limit, ci_upper_limit_raw, ci_upper_limit, non_inferiority_type,
    estimate_comment, run_id
FROM src_ctgov_result_analyses;
