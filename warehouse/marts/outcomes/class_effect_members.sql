-- grain: pooled class effect x comparison in it (one per trial dose vs its control), with its weights
-- key: treatment_class, endpoint_code, population, nct_id, outcome_idx, active_group_id
-- incremental: rebuild (pooled in Python from every trial effect after the splice, every build)
-- not null: label, estimate, ci_lower, ci_upper, variance_used, control_split, weight_random, weight_fixed
-- allowed: population in (episodic, chronic, mixed, not_stated)
--
-- The rows of each forest plot (evidence plot); the trial_effects row each comes from is found by
-- nct_id, outcome_idx and active_group_id.

CREATE OR REPLACE TABLE class_effect_members AS
SELECT
    m.treatment_class, m.endpoint_code, m.population, m.nct_id, m.outcome_idx, m.active_group_id,
    m.control_group_id, m.label, m.estimate, m.ci_lower, m.ci_upper, m.analysis_estimate, m.variance_used,
    m.control_split, m.weight_random, m.weight_fixed
FROM stg_outcomes_class_effect_members AS m
JOIN class_effects AS p USING (treatment_class, endpoint_code, population)
ORDER BY m.treatment_class, m.endpoint_code, m.population, m.nct_id, m.outcome_idx, m.active_group_id;

COMMENT ON TABLE class_effect_members IS 'The comparisons behind each class_effects row with their weights: the rows of its forest plot.';
COMMENT ON COLUMN class_effect_members.treatment_class IS 'Class of the pool (class_effects.treatment_class).';
COMMENT ON COLUMN class_effect_members.endpoint_code IS 'Endpoint of the pool (class_effects.endpoint_code).';
COMMENT ON COLUMN class_effect_members.population IS 'Population of the pool (class_effects.population).';
COMMENT ON COLUMN class_effect_members.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN class_effect_members.outcome_idx IS 'Posted outcome pooled (trial_effects.outcome_idx).';
COMMENT ON COLUMN class_effect_members.active_group_id IS 'Active group compared (trial_effects.active_group_id).';
COMMENT ON COLUMN class_effect_members.control_group_id IS 'Its control group (trial_effects.control_group_id).';
COMMENT ON COLUMN class_effect_members.label IS 'Row label of the forest plot: "<nct_id> <active group> vs <control group>".';
COMMENT ON COLUMN class_effect_members.estimate IS 'The comparison''s estimate, natural scale.';
COMMENT ON COLUMN class_effect_members.ci_lower IS 'Lower limit of the 95% CI from variance_used (wider than trial_effects.ci_lower when the control is split), natural scale.';
COMMENT ON COLUMN class_effect_members.ci_upper IS 'Upper limit of that 95% CI, natural scale.';
COMMENT ON COLUMN class_effect_members.analysis_estimate IS 'The estimate on the analysis scale (mean difference, or log risk ratio).';
COMMENT ON COLUMN class_effect_members.variance_used IS 'Variance the pool gives it: analysis_se squared with the control''s part multiplied by control_split (Cochrane Handbook 23.3.4), so a shared placebo is not counted twice.';
COMMENT ON COLUMN class_effect_members.control_split IS 'Comparisons of the pool sharing this control group (1 when not shared).';
COMMENT ON COLUMN class_effect_members.weight_random IS 'Percent of the random-effects weight (sums to 100 per pool).';
COMMENT ON COLUMN class_effect_members.weight_fixed IS 'Percent of the fixed-effect weight (sums to 100 per pool).';
