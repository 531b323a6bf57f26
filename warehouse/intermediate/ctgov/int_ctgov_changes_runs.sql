-- grain: one row: the latest ClinicalTrials.gov run and the baseline its changes compare with
-- key: none (one row)
-- incremental: complete (from every run and the whole run log)
--
-- The baseline is the last successful refresh before the latest run (from the run log): comparing with
-- the last published state rather than with the previous run means a re-run after a crash still lists
-- the night's changes, and re-running a night that already succeeded lists none.

CREATE TEMP VIEW int_ctgov_changes_runs AS
SELECT
    (SELECT run_id FROM int_ctgov_latest_run) AS run_id,
    (SELECT max(l.run_id) FROM stg_run_log AS l
     WHERE l.status = 'succeeded' AND l.source = 'ctgov'
       AND l.run_id < (SELECT run_id FROM int_ctgov_latest_run)) AS baseline_run_id;
