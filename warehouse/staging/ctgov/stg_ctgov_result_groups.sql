-- grain: trial version x results outcome x group
-- key: nct_id, run_id, outcome_idx, group_id
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_result_groups AS
SELECT nct_id, outcome_idx, group_id, title, description, denom_units, denom_value_raw, denom_value, run_id
FROM src_ctgov_result_groups;
