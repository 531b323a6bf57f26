-- grain: trial version x registered outcome measure
-- key: nct_id, run_id, outcome_kind, outcome_idx
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_design_outcomes AS
SELECT nct_id, outcome_kind, outcome_idx, measure, description, time_frame, run_id
FROM src_ctgov_design_outcomes;
