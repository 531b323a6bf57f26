-- grain: trial the latest ClinicalTrials.gov run added, changed or removed, compared with the baseline
-- key: nct_id
-- incremental: replace when ctgov has new runs (an incremental build only touches the trials it read)
-- allowed: change in (added, changed, removed)
--
-- The baseline is what the last successful refresh before the latest run published
-- (int_ctgov_changes_runs). Without a baseline (first run, no run log) every trial is 'added'. A change
-- is a differing overall_status, phase, enrollment or registry update date.

CREATE TABLE trial_changes AS
WITH diff AS (
    SELECT
        coalesce(c.nct_id, b.nct_id) AS nct_id,
        CASE WHEN b.nct_id IS NULL THEN 'added' WHEN c.nct_id IS NULL THEN 'removed' ELSE 'changed' END
            AS change,
        [f FOR f IN [
            CASE WHEN c.overall_status IS DISTINCT FROM b.overall_status THEN 'overall_status' END,
            CASE WHEN c.phase IS DISTINCT FROM b.phase THEN 'phase' END,
            CASE WHEN c.enrollment IS DISTINCT FROM b.enrollment THEN 'enrollment' END,
            CASE WHEN c.last_update_post_date IS DISTINCT FROM b.last_update_post_date
                 THEN 'last_update_post_date' END
        ] IF f IS NOT NULL] AS changed_fields,
        coalesce(c.title, b.title) AS title,
        b.overall_status AS previous_overall_status,
        c.overall_status,
        b.phase AS previous_phase,
        c.phase,
        b.enrollment AS previous_enrollment,
        c.enrollment,
        coalesce(c.last_update_post_date, b.last_update_post_date) AS last_update_post_date,
        b.run_id AS baseline_version_run
    FROM trials AS c
    FULL JOIN int_ctgov_baseline_trials AS b USING (nct_id)
),
classes AS (
    SELECT d.nct_id, list(DISTINCT a.treatment_class ORDER BY a.treatment_class) AS treatment_classes
    FROM diff AS d
    JOIN trial_classes AS m ON m.nct_id = d.nct_id
    JOIN treatment_class_ancestry AS a ON a.descendant = m.treatment_class
    JOIN treatment_classes AS tc ON tc.treatment_class = a.treatment_class
    JOIN stg_match_strengths AS s ON s.match_strength = m.match_strength
    JOIN stg_match_strengths AS weakest ON weakest.match_strength = tc.min_match_strength
    WHERE d.change <> 'removed' AND s.strength_rank <= weakest.strength_rank
    GROUP BY d.nct_id
    UNION ALL
    -- Only a full pull removes trials, and a build with a new full pull is always a full build, so
    -- stg_ctgov_trial_classes holds the baseline version's run here.
    SELECT d.nct_id, list(DISTINCT a.treatment_class ORDER BY a.treatment_class)
    FROM diff AS d
    JOIN stg_ctgov_trial_classes AS x ON x.nct_id = d.nct_id AND x.run_id = d.baseline_version_run
    JOIN treatment_class_ancestry AS a ON a.descendant = x.treatment_class
    JOIN treatment_classes AS tc ON tc.treatment_class = a.treatment_class
    JOIN stg_match_strengths AS s ON s.match_strength = x.match_strength
    JOIN stg_match_strengths AS weakest ON weakest.match_strength = tc.min_match_strength
    WHERE d.change = 'removed' AND s.strength_rank <= weakest.strength_rank
    GROUP BY d.nct_id
)
SELECT
    r.run_id,
    r.baseline_run_id,
    d.nct_id,
    d.change,
    d.changed_fields,
    d.title,
    d.previous_overall_status,
    d.overall_status,
    d.previous_phase,
    d.phase,
    d.previous_enrollment,
    d.enrollment,
    d.last_update_post_date,
    coalesce(k.treatment_classes, []::VARCHAR[]) AS treatment_classes
FROM diff AS d
CROSS JOIN int_ctgov_changes_runs AS r
LEFT JOIN classes AS k USING (nct_id)
WHERE d.change <> 'changed' OR len(d.changed_fields) > 0
ORDER BY CASE d.change WHEN 'added' THEN 1 WHEN 'changed' THEN 2 ELSE 3 END, d.nct_id;

COMMENT ON TABLE trial_changes IS 'What the latest ClinicalTrials.gov run added, changed and removed compared with the state the last successful refresh before it published (baseline_run_id), one row per trial.';
COMMENT ON COLUMN trial_changes.run_id IS 'Latest ClinicalTrials.gov run in this build.';
COMMENT ON COLUMN trial_changes.baseline_run_id IS 'Last successful run before it (the published state compared with); NULL when there is none, and then every trial is added.';
COMMENT ON COLUMN trial_changes.nct_id IS 'Trial.';
COMMENT ON COLUMN trial_changes.change IS 'added, changed or removed.';
COMMENT ON COLUMN trial_changes.changed_fields IS 'Fields that differ from the baseline: overall_status, phase, enrollment, last_update_post_date (a list).';
COMMENT ON COLUMN trial_changes.title IS 'Brief title (current, or last known for a removed trial).';
COMMENT ON COLUMN trial_changes.previous_overall_status IS 'Status at the baseline; NULL for an added trial.';
COMMENT ON COLUMN trial_changes.overall_status IS 'Status now; NULL for a removed trial.';
COMMENT ON COLUMN trial_changes.previous_phase IS 'Phase at the baseline.';
COMMENT ON COLUMN trial_changes.phase IS 'Phase now.';
COMMENT ON COLUMN trial_changes.previous_enrollment IS 'Enrollment at the baseline.';
COMMENT ON COLUMN trial_changes.enrollment IS 'Enrollment now.';
COMMENT ON COLUMN trial_changes.last_update_post_date IS 'Registry update date (current, or last known for a removed trial).';
COMMENT ON COLUMN trial_changes.treatment_classes IS 'Classes of the trial, ancestors included (for a removed trial, those of its last version), counted as in the evidence tables (matches at least as strong as the class''s min_match_strength), a list.';
