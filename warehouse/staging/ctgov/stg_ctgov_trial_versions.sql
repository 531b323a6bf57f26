-- grain: trial version: one row per trial per run that stored it, narrow (status, phase, enrollment)
-- key: nct_id, run_id
-- incremental: before splice (every run's versions, but only of the trials the new runs touched)
--
-- Every stored version of a trial, from every run kept, for what needs a trial's whole history (status
-- history, removals, the changes baseline). A full build registers every trial's versions; an
-- incremental build only those of the trials its new runs touched, so the same SQL gives the same rows
-- for those trials in both modes.

CREATE TEMP VIEW stg_ctgov_trial_versions AS
SELECT
    nct_id,
    run_id,
    fetched_at,
    brief_title AS title,
    overall_status,
    phase,
    enrollment,
    last_update_post_date
FROM src_ctgov_trial_versions;
