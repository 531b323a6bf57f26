-- grain: one row: the newest ClinicalTrials.gov run that read any trial
-- key: none (one row)
-- incremental: complete (from every run)
--
-- A run read a trial when it stored a version of it or re-read it unchanged (rereads).

CREATE TEMP VIEW int_ctgov_latest_run AS
SELECT max(run_id) AS run_id
FROM int_partition_runs
WHERE source = 'ctgov' AND table_name IN ('trials', 'rereads');
