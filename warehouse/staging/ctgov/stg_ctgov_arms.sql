-- grain: trial version x arm
-- key: nct_id, run_id, arm_idx
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_arms AS
SELECT nct_id, arm_idx, label, arm_type, description, intervention_names, run_id
FROM src_ctgov_arms;
