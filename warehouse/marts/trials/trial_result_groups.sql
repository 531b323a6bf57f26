-- grain: trial x results outcome x group x denominator
-- key: none (a group counted in several units, e.g. participants and eyes, has a row per unit)
-- incremental: patch by nct_id
--
-- The groups of each posted outcome with the number analysed; a denominator for a group the outcome
-- does not list keeps a row with no title.

CREATE TABLE trial_result_groups AS
SELECT
    g.nct_id,
    g.outcome_idx,
    g.group_id,
    g.title AS group_title,
    g.description AS group_description,
    g.denom_units AS group_n_units,
    g.denom_value AS group_n
FROM stg_ctgov_result_groups AS g
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
ORDER BY g.nct_id, g.outcome_idx, g.group_id, g.denom_units;

COMMENT ON TABLE trial_result_groups IS 'Posted results: one row per outcome x result group x denominator (units counted), with the number analysed.';
COMMENT ON COLUMN trial_result_groups.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_result_groups.outcome_idx IS 'Outcome (trial_result_outcomes.outcome_idx).';
COMMENT ON COLUMN trial_result_groups.group_id IS 'Result group id within the outcome (e.g. OG000).';
COMMENT ON COLUMN trial_result_groups.group_title IS 'Result group title (usually the arm).';
COMMENT ON COLUMN trial_result_groups.group_description IS 'Result group description.';
COMMENT ON COLUMN trial_result_groups.group_n_units IS 'What group_n counts (usually Participants).';
COMMENT ON COLUMN trial_result_groups.group_n IS 'Number analysed in the group for this outcome.';
