-- grain: trial current as of the changes baseline (its version then)
-- key: nct_id
-- incremental: before splice (only the trials the new runs touched in an incremental build)
--
-- The current version of every trial as of the baseline, with removals as of the baseline applied.

CREATE TEMP TABLE int_ctgov_baseline_trials AS
WITH upto AS (
    SELECT v.*
    FROM int_ctgov_trial_versions AS v, int_ctgov_changes_runs AS b
    WHERE v.run_id <= b.baseline_run_id
),
last_full AS (
    SELECT max(f.run_id) AS run_id FROM int_ctgov_full_runs AS f, int_ctgov_changes_runs AS b
    WHERE f.run_id <= b.baseline_run_id
),
gone AS (
    SELECT nct_id FROM upto GROUP BY nct_id HAVING max(run_id) < (SELECT run_id FROM last_full)
)
SELECT nct_id, run_id, title, overall_status, phase, enrollment, last_update_post_date
FROM upto
WHERE nct_id NOT IN (SELECT nct_id FROM gone)
QUALIFY row_number() OVER (PARTITION BY nct_id ORDER BY fetched_at DESC, run_id DESC) = 1;
