-- grain: trial x results outcome
-- key: nct_id, outcome_idx
-- incremental: patch by nct_id
--
-- Posted results, one row per outcome measure; trial_results joins it with its groups and values.

CREATE TABLE trial_result_outcomes AS
SELECT
    o.nct_id,
    o.outcome_idx,
    o.outcome_type,
    o.title AS outcome_title,
    o.description AS outcome_description,
    o.population_description,
    o.reporting_status,
    o.time_frame,
    o.param_type,
    o.dispersion_type,
    o.unit_of_measure
FROM stg_ctgov_result_outcomes AS o
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
ORDER BY o.nct_id, o.outcome_idx;

COMMENT ON TABLE trial_result_outcomes IS 'Posted results: one row per outcome measure (trial_results repeats these columns on every measurement row).';
COMMENT ON COLUMN trial_result_outcomes.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_result_outcomes.outcome_idx IS 'Position of the outcome in the results section (0-based).';
COMMENT ON COLUMN trial_result_outcomes.outcome_type IS 'PRIMARY, SECONDARY, OTHER_PRE_SPECIFIED or POST_HOC.';
COMMENT ON COLUMN trial_result_outcomes.outcome_title IS 'Outcome title in the results.';
COMMENT ON COLUMN trial_result_outcomes.outcome_description IS 'Outcome description in the results.';
COMMENT ON COLUMN trial_result_outcomes.population_description IS 'Analysis population description.';
COMMENT ON COLUMN trial_result_outcomes.reporting_status IS 'POSTED or NOT_POSTED.';
COMMENT ON COLUMN trial_result_outcomes.time_frame IS 'When the outcome was assessed.';
COMMENT ON COLUMN trial_result_outcomes.param_type IS 'What the values are: MEAN, MEDIAN, LEAST_SQUARES_MEAN, COUNT_OF_PARTICIPANTS, NUMBER, ...';
COMMENT ON COLUMN trial_result_outcomes.dispersion_type IS 'What spread or the limits are: standard deviation, standard error, 95% confidence interval, full range, ...';
COMMENT ON COLUMN trial_result_outcomes.unit_of_measure IS 'Unit of the values.';
