-- grain: trial version x intervention
-- key: nct_id, run_id, intervention_idx
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_interventions AS
SELECT nct_id, intervention_idx, intervention_type, name, description, other_names, arm_group_labels, run_id
FROM src_ctgov_interventions;
