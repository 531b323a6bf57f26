-- Trials a full ClinicalTrials.gov pull no longer returned (withdrawn from the registry, or no longer
-- matching the condition query): recorded, not silently dropped. Their last known version is kept
-- here; they are absent from every other trial table (see stg_ctgov_removed).

CREATE TABLE removed_trials AS
SELECT
    r.nct_id,
    t.brief_title AS title,
    t.overall_status AS last_overall_status,
    t.last_update_post_date AS last_update_post_date,
    r.last_seen_run,
    r.last_seen_at AS last_fetched_at,
    r.removed_in_run,
    CAST(f.started_at AS TIMESTAMPTZ) AS removed_at
FROM stg_ctgov_removed AS r
-- The last version stored up to that run (an unchanged drift re-read stores none of its own).
JOIN src_ctgov_trial_versions AS t ON t.nct_id = r.nct_id AND t.run_id <= r.last_seen_run
LEFT JOIN stg_ctgov_full_runs AS f ON f.run_id = r.removed_in_run
QUALIFY row_number() OVER (PARTITION BY r.nct_id ORDER BY t.fetched_at DESC, t.run_id DESC) = 1
ORDER BY r.nct_id;
