-- grain: trial read: one row per trial per run that stored it or re-read it unchanged
-- key: nct_id, run_id
-- incremental: before splice (only the new runs in an incremental build)
--
-- Every read of a trial: its stored versions plus the drift re-reads that found it unchanged (those are
-- recorded in stg_ctgov_rereads instead of as a new identical version). A run counts as having returned
-- a trial, and as the latest run, whichever of the two it wrote.

CREATE TEMP VIEW int_ctgov_reads AS
SELECT nct_id, run_id, fetched_at, data_timestamp FROM stg_ctgov_trials
UNION ALL
SELECT nct_id, run_id, fetched_at, data_timestamp FROM stg_ctgov_rereads;
