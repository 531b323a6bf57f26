-- grain: treatment class x changed trial (listed under each of its classes; NULL class for none)
-- key: none (a view over trial_changes, one row per class of each changed trial)
-- incremental: rebuild (a view over trial_changes)
--
-- CREATE OR REPLACE VIEW drops a view's comments: the COMMENT ONs below apply them again every build.

CREATE OR REPLACE VIEW changes AS
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

COMMENT ON VIEW changes IS 'trial_changes per treatment class: one row per class x changed trial (a trial in no class has NULL class). E.g. which CGRP trials changed status in the latest run.';
COMMENT ON COLUMN changes.treatment_class IS 'Class (treatment_classes.treatment_class); NULL for a trial in no class.';
COMMENT ON COLUMN changes.class_label IS 'Human-readable class name.';
COMMENT ON COLUMN changes.change IS 'added, changed or removed.';
COMMENT ON COLUMN changes.nct_id IS 'Trial.';
COMMENT ON COLUMN changes.title IS 'Brief title.';
COMMENT ON COLUMN changes.changed_fields IS 'Fields that differ from the baseline, a list.';
COMMENT ON COLUMN changes.previous_overall_status IS 'Status at the baseline.';
COMMENT ON COLUMN changes.overall_status IS 'Status now.';
COMMENT ON COLUMN changes.previous_phase IS 'Phase at the baseline.';
COMMENT ON COLUMN changes.phase IS 'Phase now.';
COMMENT ON COLUMN changes.previous_enrollment IS 'Enrollment at the baseline.';
COMMENT ON COLUMN changes.enrollment IS 'Enrollment now.';
COMMENT ON COLUMN changes.last_update_post_date IS 'Registry update date.';
COMMENT ON COLUMN changes.run_id IS 'Latest ClinicalTrials.gov run in this build.';
COMMENT ON COLUMN changes.baseline_run_id IS 'Last successful run before it.';
