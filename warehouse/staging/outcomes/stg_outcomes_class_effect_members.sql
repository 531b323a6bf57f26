-- grain: pooled class effect x comparison in it, with its weights (pooled in Python)
-- key: treatment_class, endpoint_code, population, nct_id, outcome_idx, active_group_id
-- incremental: rebuild (the build's Python step pools every trial effect after the splice, every build)

CREATE TEMP VIEW stg_outcomes_class_effect_members AS
SELECT
    treatment_class, endpoint_code, population, nct_id, outcome_idx, active_group_id, control_group_id,
    label, estimate, ci_lower, ci_upper, analysis_estimate, variance_used, control_split, weight_random,
    weight_fixed
FROM src_outcomes_class_effect_members;
