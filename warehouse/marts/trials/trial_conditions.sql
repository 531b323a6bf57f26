-- grain: trial x condition, in registry order
-- key: nct_id, condition_idx
-- incremental: patch by nct_id

CREATE TABLE trial_conditions AS
SELECT x.nct_id, x.condition_idx, x.condition
FROM stg_ctgov_conditions AS x
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
ORDER BY x.nct_id, x.condition_idx;

COMMENT ON TABLE trial_conditions IS 'Conditions studied, one row per trial x condition, in registry order.';
COMMENT ON COLUMN trial_conditions.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_conditions.condition_idx IS 'Position in the registry list (0-based).';
COMMENT ON COLUMN trial_conditions.condition IS 'Condition as registered.';
