-- grain: trial x arm, in registry order
-- key: nct_id, arm_idx
-- incremental: patch by nct_id

CREATE TABLE trial_arms AS
SELECT x.nct_id, x.arm_idx, x.label, x.arm_type, x.description, x.intervention_names
FROM stg_ctgov_arms AS x
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
ORDER BY x.nct_id, x.arm_idx;

COMMENT ON TABLE trial_arms IS 'Arms / groups, one row per trial x arm, in registry order.';
COMMENT ON COLUMN trial_arms.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_arms.arm_idx IS 'Position in the registry list (0-based).';
COMMENT ON COLUMN trial_arms.label IS 'Arm label.';
COMMENT ON COLUMN trial_arms.arm_type IS 'EXPERIMENTAL, ACTIVE_COMPARATOR, PLACEBO_COMPARATOR, SHAM_COMPARATOR, ...';
COMMENT ON COLUMN trial_arms.description IS 'Arm description.';
COMMENT ON COLUMN trial_arms.intervention_names IS 'Interventions given in this arm, a list.';
