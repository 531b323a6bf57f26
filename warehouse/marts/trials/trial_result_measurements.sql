-- grain: trial x results outcome x group x class/category measurement
-- key: none (the registry may repeat a class or category title)
-- incremental: patch by nct_id
--
-- Posted values with their keys only: the outcome's and the group's texts are in
-- trial_result_outcomes and trial_result_groups, and trial_results puts them side by side.

CREATE TABLE trial_result_measurements AS
SELECT
    m.nct_id,
    m.outcome_idx,
    m.group_id,
    m.class_title,
    m.category_title,
    m.value,
    m.value_raw,
    m.spread,
    m.spread_raw,
    m.lower_limit,
    m.lower_limit_raw,
    m.upper_limit,
    m.upper_limit_raw,
    m.comment AS measurement_comment
FROM stg_ctgov_result_measurements AS m
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
ORDER BY m.nct_id, m.outcome_idx, m.group_id, m.class_title, m.category_title;

COMMENT ON TABLE trial_result_measurements IS 'Posted results: one row per outcome x group x class/category measurement, keys and values only (trial_results adds the outcome and group texts).';
COMMENT ON COLUMN trial_result_measurements.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_result_measurements.outcome_idx IS 'Outcome (trial_result_outcomes.outcome_idx).';
COMMENT ON COLUMN trial_result_measurements.group_id IS 'Result group (trial_result_groups.group_id).';
COMMENT ON COLUMN trial_result_measurements.class_title IS 'Measurement class (row block) title, if the outcome has classes.';
COMMENT ON COLUMN trial_result_measurements.category_title IS 'Measurement category title, if the outcome has categories.';
COMMENT ON COLUMN trial_result_measurements.value IS 'Measured value as a number; NULL when not numeric (see value_raw).';
COMMENT ON COLUMN trial_result_measurements.value_raw IS 'Measured value exactly as posted (may be NA).';
COMMENT ON COLUMN trial_result_measurements.spread IS 'Dispersion value (SD, SE, ...) as a number.';
COMMENT ON COLUMN trial_result_measurements.spread_raw IS 'Dispersion value exactly as posted.';
COMMENT ON COLUMN trial_result_measurements.lower_limit IS 'Lower limit (confidence interval, range) as a number.';
COMMENT ON COLUMN trial_result_measurements.lower_limit_raw IS 'Lower limit exactly as posted.';
COMMENT ON COLUMN trial_result_measurements.upper_limit IS 'Upper limit (confidence interval, range) as a number.';
COMMENT ON COLUMN trial_result_measurements.upper_limit_raw IS 'Upper limit exactly as posted.';
COMMENT ON COLUMN trial_result_measurements.measurement_comment IS 'Comment posted with the measurement.';
