-- grain: trial version, in the order the pipeline saw them, with the values of the version before
-- key: nct_id, run_id
-- incremental: before splice (every version, but only of the trials the new runs touched)
--
-- A temporary TABLE, not a view: int_ctgov_baseline_trials and trial_status_history both read it, and a
-- view ran its window over every version once for each (a filter on run_id cannot go below a window
-- partitioned by nct_id).

CREATE TEMP TABLE int_ctgov_trial_versions AS
SELECT
    nct_id, run_id, fetched_at, title, overall_status, phase, enrollment, last_update_post_date,
    lag(overall_status) OVER w AS previous_overall_status,
    lag(phase) OVER w AS previous_phase,
    lag(enrollment) OVER w AS previous_enrollment,
    row_number() OVER w AS version_no
FROM stg_ctgov_trial_versions
WINDOW w AS (PARTITION BY nct_id ORDER BY fetched_at, run_id);
