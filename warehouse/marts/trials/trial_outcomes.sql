-- grain: trial x outcome measure registered in the design (primary, secondary, other)
-- key: nct_id, outcome_kind, outcome_idx
-- incremental: patch by nct_id

CREATE TABLE trial_outcomes AS
SELECT x.nct_id, x.outcome_kind, x.outcome_idx, x.measure, x.description, x.time_frame
FROM stg_ctgov_design_outcomes AS x
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
ORDER BY
    x.nct_id, CASE x.outcome_kind WHEN 'primary' THEN 1 WHEN 'secondary' THEN 2 ELSE 3 END, x.outcome_idx;

COMMENT ON TABLE trial_outcomes IS 'Outcome measures registered in the design (not results): primary, secondary and other.';
COMMENT ON COLUMN trial_outcomes.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_outcomes.outcome_kind IS 'primary, secondary or other.';
COMMENT ON COLUMN trial_outcomes.outcome_idx IS 'Position within its kind (0-based).';
COMMENT ON COLUMN trial_outcomes.measure IS 'Outcome measure title.';
COMMENT ON COLUMN trial_outcomes.description IS 'Outcome measure description.';
COMMENT ON COLUMN trial_outcomes.time_frame IS 'When the outcome is assessed.';
