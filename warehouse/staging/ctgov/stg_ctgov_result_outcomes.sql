-- grain: trial version x results outcome
-- key: nct_id, run_id, outcome_idx
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_result_outcomes AS
SELECT
    nct_id, outcome_idx, outcome_type, title, description, population_description, reporting_status,
    param_type, dispersion_type, unit_of_measure, time_frame, run_id
FROM src_ctgov_result_outcomes;
