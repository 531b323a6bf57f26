-- grain: trial x class x match found by the classifier (configured classes only)
-- key: none (one row per distinct match)
-- incremental: patch by nct_id
-- not null: treatment_class, matched_field, matched_term, match_strength
-- allowed: match_strength in match_strengths
--
-- The classifier's matches for the current version of each trial (the classifier writes one partition
-- per run; only the current run's matches count). Matches of classes that are no longer configured are
-- left out: the config is the list of classes. Every match is kept whatever its strength; the
-- evidence tables count only those at least as strong as the class's min_match_strength.
-- Rows are ordered by every column: a trial often matches one term in one field with several texts (one
-- per arm), and rows tied on the ORDER BY came out in either order from build to build.

CREATE TABLE trial_classes AS
SELECT DISTINCT m.nct_id, m.treatment_class, m.matched_field, m.matched_term, m.matched_text, m.match_strength
FROM stg_ctgov_trial_classes AS m
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
JOIN treatment_classes AS tc USING (treatment_class)
JOIN trials AS t USING (nct_id)
ORDER BY m.nct_id, m.treatment_class, m.matched_field, m.matched_term, m.matched_text, m.match_strength;

COMMENT ON TABLE trial_classes IS 'Why each trial belongs to a class: one row per trial x class x match found by the classifier (configured classes only).';
COMMENT ON COLUMN trial_classes.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_classes.treatment_class IS 'Class matched (treatment_classes.treatment_class).';
COMMENT ON COLUMN trial_classes.matched_field IS 'Where the term was found: intervention.name, intervention.other_name, intervention.description, arm.label, arm.description, mesh.descriptor or mesh.ancestor (trial_intervention_mesh), trial.brief_title, trial.official_title, trial.brief_summary, or child_class (the class of a subclass match).';
COMMENT ON COLUMN trial_classes.matched_term IS 'Configured term that matched (a class term, MeSH name or MeSH id); for child_class rows, the subclass.';
COMMENT ON COLUMN trial_classes.matched_text IS 'The text it matched in (a MeSH row as "name [id]"); NULL for child_class rows.';
COMMENT ON COLUMN trial_classes.match_strength IS 'How directly the record names the class, strongest first (match_strengths): intervention (its interventions or arms), mesh (MeSH derived for its interventions), title (read only when those give the trial no class), summary (read only when its titles give none either); a child_class row has its subclass''s strongest.';
