-- grain: trial x class x match found by the classifier (configured classes only)
-- key: none (one row per distinct match)
-- incremental: patch by nct_id
-- not null: treatment_class, matched_field, matched_term
--
-- The classifier's matches for the current version of each trial (the classifier writes one partition
-- per run; only the current run's matches count). Matches of classes that are no longer configured are
-- left out: the config is the list of classes.

CREATE TABLE trial_classes AS
SELECT DISTINCT m.nct_id, m.treatment_class, m.matched_field, m.matched_term, m.matched_text
FROM stg_ctgov_trial_classes AS m
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
JOIN treatment_classes AS tc USING (treatment_class)
JOIN trials AS t USING (nct_id)
ORDER BY m.nct_id, m.treatment_class, m.matched_field, m.matched_term;

COMMENT ON TABLE trial_classes IS 'Why each trial belongs to a class: one row per trial x class x match found by the classifier (configured classes only).';
COMMENT ON COLUMN trial_classes.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_classes.treatment_class IS 'Class matched (treatment_classes.treatment_class).';
COMMENT ON COLUMN trial_classes.matched_field IS 'Registry field where the term was found, e.g. intervention name, arm description.';
COMMENT ON COLUMN trial_classes.matched_term IS 'Configured term that matched.';
COMMENT ON COLUMN trial_classes.matched_text IS 'The text it matched in.';
