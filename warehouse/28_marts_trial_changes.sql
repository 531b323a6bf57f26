-- What the latest ClinicalTrials.gov run changed, compared with what the last successful refresh before
-- it published (the baseline, from the run log). Comparing with the last published state rather than
-- with the previous run means a re-run after a crash still lists the night's changes, and re-running a
-- night that already succeeded lists none. Without a baseline (first run, no run log) every trial is
-- 'added'. A change is a differing overall_status, phase, enrollment or registry update date.

CREATE TEMP VIEW stg_changes_runs AS
SELECT
    (SELECT run_id FROM stg_ctgov_latest_run) AS run_id,
    (SELECT max(l.run_id) FROM src_run_log AS l
     WHERE l.status = 'succeeded' AND l.source = 'ctgov'
       AND l.run_id < (SELECT run_id FROM stg_ctgov_latest_run)) AS baseline_run_id;

-- The current version of every trial as of the baseline, with removals as of the baseline applied.
CREATE TEMP TABLE stg_baseline_trials AS
WITH upto AS (
    SELECT v.*
    FROM stg_ctgov_versions AS v, stg_changes_runs AS b
    WHERE v.run_id <= b.baseline_run_id
),
last_full AS (
    SELECT max(f.run_id) AS run_id FROM stg_ctgov_full_runs AS f, stg_changes_runs AS b
    WHERE f.run_id <= b.baseline_run_id
),
gone AS (
    SELECT nct_id FROM upto GROUP BY nct_id HAVING max(run_id) < (SELECT run_id FROM last_full)
)
SELECT nct_id, run_id, title, overall_status, phase, enrollment, last_update_post_date
FROM upto
WHERE nct_id NOT IN (SELECT nct_id FROM gone)
QUALIFY row_number() OVER (PARTITION BY nct_id ORDER BY fetched_at DESC, run_id DESC) = 1;

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
    FULL JOIN stg_baseline_trials AS b USING (nct_id)
),
classes AS (
    SELECT d.nct_id, list(DISTINCT a.treatment_class ORDER BY a.treatment_class) AS treatment_classes
    FROM diff AS d
    JOIN trial_classes AS m ON m.nct_id = d.nct_id
    JOIN treatment_class_ancestry AS a ON a.descendant = m.treatment_class
    WHERE d.change <> 'removed'
    GROUP BY d.nct_id
    UNION ALL
    -- Only a full pull removes trials, and a build with a new full pull is always a full build, so
    -- src_ctgov_trial_classes holds the baseline version's run here.
    SELECT d.nct_id, list(DISTINCT a.treatment_class ORDER BY a.treatment_class)
    FROM diff AS d
    JOIN src_ctgov_trial_classes AS x ON x.nct_id = d.nct_id AND x.run_id = d.baseline_version_run
    JOIN treatment_class_ancestry AS a ON a.descendant = x.treatment_class
    WHERE d.change = 'removed'
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
CROSS JOIN stg_changes_runs AS r
LEFT JOIN classes AS k USING (nct_id)
WHERE d.change <> 'changed' OR len(d.changed_fields) > 0
ORDER BY CASE d.change WHEN 'added' THEN 1 WHEN 'changed' THEN 2 ELSE 3 END, d.nct_id;

-- Per treatment class (a trial in several classes is listed under each; one in none has NULL class).
CREATE VIEW changes AS
SELECT
    u.treatment_class,
    tc.label AS class_label,
    c.change,
    c.nct_id,
    c.title,
    c.changed_fields,
    c.previous_overall_status,
    c.overall_status,
    c.previous_phase,
    c.phase,
    c.previous_enrollment,
    c.enrollment,
    c.last_update_post_date,
    c.run_id,
    c.baseline_run_id
FROM trial_changes AS c,
    unnest(CASE WHEN len(c.treatment_classes) = 0 THEN [NULL::VARCHAR] ELSE c.treatment_classes END)
        AS u(treatment_class)
LEFT JOIN treatment_classes AS tc ON tc.treatment_class = u.treatment_class;
