-- grain: trial x results outcome x group x class/category measurement
-- key: none (the registry may repeat a class or category title)
-- incremental: rebuild (a view over trial_result_outcomes, trial_result_groups, trial_result_measurements)
--
-- Posted results. An outcome with no measurements (e.g. not posted yet) keeps one row with NULL group,
-- so every posted outcome is listed. A view: stored, these rows repeat the outcome's and the group's
-- texts on every value, and building them took more memory than any other table (it grew with the
-- corpus). CREATE OR REPLACE VIEW drops a view's comments: the COMMENT ONs below apply them again.

CREATE OR REPLACE VIEW trial_results AS
SELECT
    o.nct_id,
    o.outcome_idx,
    o.outcome_type,
    o.outcome_title,
    o.outcome_description,
    o.population_description,
    o.reporting_status,
    o.time_frame,
    o.param_type,
    o.dispersion_type,
    o.unit_of_measure,
    m.group_id,
    g.group_title,
    g.group_description,
    g.group_n_units,
    g.group_n,
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
    m.measurement_comment
FROM trial_result_outcomes AS o
LEFT JOIN trial_result_measurements AS m
    ON m.nct_id = o.nct_id AND m.outcome_idx = o.outcome_idx
LEFT JOIN trial_result_groups AS g
    ON g.nct_id = m.nct_id AND g.outcome_idx = m.outcome_idx AND g.group_id = m.group_id
ORDER BY o.nct_id, o.outcome_idx, m.group_id, m.class_title, m.category_title;

COMMENT ON VIEW trial_results IS 'Posted results: one row per outcome x group x class/category measurement; an outcome without measurements has one row with NULL group.';
COMMENT ON COLUMN trial_results.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_results.outcome_idx IS 'Position of the outcome in the results section (0-based).';
COMMENT ON COLUMN trial_results.outcome_type IS 'PRIMARY, SECONDARY, OTHER_PRE_SPECIFIED or POST_HOC.';
COMMENT ON COLUMN trial_results.outcome_title IS 'Outcome title in the results.';
COMMENT ON COLUMN trial_results.outcome_description IS 'Outcome description in the results.';
COMMENT ON COLUMN trial_results.population_description IS 'Analysis population description.';
COMMENT ON COLUMN trial_results.reporting_status IS 'POSTED or NOT_POSTED.';
COMMENT ON COLUMN trial_results.time_frame IS 'When the outcome was assessed.';
COMMENT ON COLUMN trial_results.param_type IS 'What value is: MEAN, MEDIAN, LEAST_SQUARES_MEAN, COUNT_OF_PARTICIPANTS, NUMBER, ...';
COMMENT ON COLUMN trial_results.dispersion_type IS 'What spread or the limits are: standard deviation, standard error, 95% confidence interval, full range, ...';
COMMENT ON COLUMN trial_results.unit_of_measure IS 'Unit of value.';
COMMENT ON COLUMN trial_results.group_id IS 'Result group id within the outcome (e.g. OG000).';
COMMENT ON COLUMN trial_results.group_title IS 'Result group title (usually the arm).';
COMMENT ON COLUMN trial_results.group_description IS 'Result group description.';
COMMENT ON COLUMN trial_results.group_n_units IS 'What group_n counts (usually Participants).';
COMMENT ON COLUMN trial_results.group_n IS 'Number analysed in the group for this outcome.';
COMMENT ON COLUMN trial_results.class_title IS 'Measurement class (row block) title, if the outcome has classes.';
COMMENT ON COLUMN trial_results.category_title IS 'Measurement category title, if the outcome has categories.';
COMMENT ON COLUMN trial_results.value IS 'Measured value as a number; NULL when not numeric (see value_raw).';
COMMENT ON COLUMN trial_results.value_raw IS 'Measured value exactly as posted (may be NA).';
COMMENT ON COLUMN trial_results.spread IS 'Dispersion value (SD, SE, ...) as a number.';
COMMENT ON COLUMN trial_results.spread_raw IS 'Dispersion value exactly as posted.';
COMMENT ON COLUMN trial_results.lower_limit IS 'Lower limit (confidence interval, range) as a number.';
COMMENT ON COLUMN trial_results.lower_limit_raw IS 'Lower limit exactly as posted.';
COMMENT ON COLUMN trial_results.upper_limit IS 'Upper limit (confidence interval, range) as a number.';
COMMENT ON COLUMN trial_results.upper_limit_raw IS 'Upper limit exactly as posted.';
COMMENT ON COLUMN trial_results.measurement_comment IS 'Comment posted with the measurement.';
