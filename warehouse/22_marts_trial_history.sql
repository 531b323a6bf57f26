-- Status history of every trial, from every version of it in every run kept (the versions relation,
-- see 10_staging_ctgov.sql): one row per version whose overall_status, phase or enrollment differs from
-- the version before it, so a re-read that changed nothing adds nothing and replaying the same runs
-- always gives the same rows.
-- valid_from is when the pipeline first saw the version (fetched_at), valid_to when the next differing
-- version was seen, or when a full pull found the trial gone (removed_trials.removed_at); NULL = current.

CREATE TEMP VIEW stg_ctgov_versions AS
SELECT
    nct_id, run_id, fetched_at, brief_title AS title, overall_status, phase, enrollment,
    last_update_post_date,
    lag(overall_status) OVER w AS previous_overall_status,
    lag(phase) OVER w AS previous_phase,
    lag(enrollment) OVER w AS previous_enrollment,
    row_number() OVER w AS version_no
FROM src_ctgov_trial_versions
WINDOW w AS (PARTITION BY nct_id ORDER BY fetched_at, run_id);

CREATE TABLE trial_status_history AS
WITH changed AS (
    SELECT *
    FROM stg_ctgov_versions
    WHERE version_no = 1
        OR overall_status IS DISTINCT FROM previous_overall_status
        OR phase IS DISTINCT FROM previous_phase
        OR enrollment IS DISTINCT FROM previous_enrollment
)
SELECT
    c.nct_id,
    c.overall_status,
    c.previous_overall_status,
    c.phase,
    c.enrollment,
    c.fetched_at AS valid_from,
    coalesce(
        lead(c.fetched_at) OVER (PARTITION BY c.nct_id ORDER BY c.fetched_at, c.run_id),
        r.removed_at
    ) AS valid_to,
    c.run_id
FROM changed AS c
LEFT JOIN removed_trials AS r USING (nct_id)
ORDER BY c.nct_id, valid_from;
