-- grain: trial version x condition
-- key: nct_id, run_id, condition_idx
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_conditions AS
SELECT nct_id, condition_idx, condition, run_id
FROM src_ctgov_conditions;
