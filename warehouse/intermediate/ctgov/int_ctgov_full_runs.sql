-- grain: full ClinicalTrials.gov pull that stored trials
-- key: run_id
-- incremental: complete (from every run)

CREATE TEMP VIEW int_ctgov_full_runs AS
SELECT r.run_id, r.started_at
FROM stg_raw_runs AS r
WHERE r.source = 'ctgov' AND r.mode = 'full'
  AND r.run_id IN (SELECT run_id FROM int_partition_runs WHERE source = 'ctgov' AND table_name = 'trials');
