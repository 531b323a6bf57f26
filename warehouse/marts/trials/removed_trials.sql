-- grain: trial a full ClinicalTrials.gov pull no longer returned, with its last known version
-- key: nct_id
-- incremental: patch by nct_id
--
-- Withdrawn from the registry, or no longer matching the condition query: recorded, not silently
-- dropped. They are absent from every other trial table (see int_ctgov_removed).

CREATE TABLE removed_trials AS
SELECT
    r.nct_id,
    t.title,
    t.overall_status AS last_overall_status,
    t.last_update_post_date AS last_update_post_date,
    r.last_seen_run,
    r.last_seen_at AS last_fetched_at,
    r.removed_in_run,
    f.started_at AS removed_at
FROM int_ctgov_removed AS r
-- The last version stored up to that run (an unchanged drift re-read stores none of its own).
JOIN stg_ctgov_trial_versions AS t ON t.nct_id = r.nct_id AND t.run_id <= r.last_seen_run
LEFT JOIN int_ctgov_full_runs AS f ON f.run_id = r.removed_in_run
QUALIFY row_number() OVER (PARTITION BY r.nct_id ORDER BY t.fetched_at DESC, t.run_id DESC) = 1
ORDER BY r.nct_id;

COMMENT ON TABLE removed_trials IS 'Trials a full ClinicalTrials.gov pull no longer returned (withdrawn, or no longer matching the condition query), with their last known version; they are absent from every other trial table.';
COMMENT ON COLUMN removed_trials.nct_id IS 'ClinicalTrials.gov identifier.';
COMMENT ON COLUMN removed_trials.title IS 'Brief title of the last version seen.';
COMMENT ON COLUMN removed_trials.last_overall_status IS 'Recruitment status of the last version seen.';
COMMENT ON COLUMN removed_trials.last_update_post_date IS 'Registry update date of the last version seen.';
COMMENT ON COLUMN removed_trials.last_seen_run IS 'Newest run that returned the trial.';
COMMENT ON COLUMN removed_trials.last_fetched_at IS 'When that run fetched it (UTC).';
COMMENT ON COLUMN removed_trials.removed_in_run IS 'First full run after last_seen_run, which did not return the trial.';
COMMENT ON COLUMN removed_trials.removed_at IS 'When that full run started (UTC).';
