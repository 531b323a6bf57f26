-- grain: trial version x results outcome x group x class/category measurement
-- key: none (the registry may repeat a class or category title)
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_result_measurements AS
SELECT
    nct_id, outcome_idx, group_id, class_title, category_title, value_raw, value, spread_raw, spread,
    lower_limit_raw, lower_limit, upper_limit_raw, upper_limit, comment, run_id
FROM src_ctgov_result_measurements;
