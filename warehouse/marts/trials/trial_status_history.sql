-- grain: trial version whose overall_status, phase or enrollment differs from the version before it
-- key: nct_id, valid_from
-- incremental: patch by nct_id
-- not null: nct_id, valid_from, run_id
--
-- From every version of every trial in every run kept (stg_ctgov_trial_versions), so a re-read that
-- changed nothing adds nothing and replaying the same runs always gives the same rows.
-- valid_from is when the pipeline first saw the version (fetched_at), valid_to when the next differing
-- version was seen, or when a full pull found the trial gone (removed_trials.removed_at); NULL = current.

CREATE TABLE trial_status_history AS
WITH changed AS (
    SELECT *
    FROM int_ctgov_trial_versions
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

COMMENT ON TABLE trial_status_history IS 'Status history per trial: one row per version whose overall_status, phase or enrollment differs from the one before, from every run kept; valid_to NULL marks the current version.';
COMMENT ON COLUMN trial_status_history.nct_id IS 'Trial (trials.nct_id, or removed_trials.nct_id).';
COMMENT ON COLUMN trial_status_history.overall_status IS 'Registry recruitment status of this version.';
COMMENT ON COLUMN trial_status_history.previous_overall_status IS 'Status of the version before; NULL for the first version seen. Differs from overall_status when the status changed.';
COMMENT ON COLUMN trial_status_history.phase IS 'Phase of this version (see trials.phase).';
COMMENT ON COLUMN trial_status_history.enrollment IS 'Registered enrollment of this version.';
COMMENT ON COLUMN trial_status_history.valid_from IS 'When the pipeline first fetched this version (UTC).';
COMMENT ON COLUMN trial_status_history.valid_to IS 'When a differing version was first fetched, or the full pull that found the trial gone started (UTC); NULL while current.';
COMMENT ON COLUMN trial_status_history.run_id IS 'Run that first fetched this version.';
