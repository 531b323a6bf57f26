-- grain: treatment class x endpoint x population with at least one trial effect (pooled in Python)
-- key: treatment_class, endpoint_code, population
-- incremental: rebuild (the build's Python step pools every trial effect after the splice, every build)

CREATE TEMP VIEW stg_outcomes_class_effects AS
SELECT
    treatment_class, endpoint_code, population, effect_measure, n_trials, n_comparisons, n_participants,
    nct_ids, method, estimate, ci_lower, ci_upper, analysis_estimate, analysis_se, tau2, i2, q, q_pvalue,
    prediction_lower, prediction_upper, fixed_estimate, fixed_ci_lower, fixed_ci_upper, note
FROM src_outcomes_class_effects;
