-- check: trials reconcile with the newest full ClinicalTrials.gov pull
--
-- When the newest ClinicalTrials.gov run with data was a full pull, the current trials are exactly what
-- it returned: their number must be the totalCount the API announced for it.

WITH full_run AS (
    SELECT r.run_id, r.total_count
    FROM stg_raw_runs AS r
    JOIN int_ctgov_latest_run AS l USING (run_id)
    WHERE r.source = 'ctgov' AND r.mode = 'full'
)
SELECT run_id || ': totalCount ' || total_count || ' but ' || (SELECT count(*) FROM trials) || ' trials'
FROM full_run
WHERE total_count <> (SELECT count(*) FROM trials);
