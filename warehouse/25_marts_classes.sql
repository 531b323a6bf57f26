-- Treatment classes as configured for this build (src_config_treatment_classes is registered by Python
-- from settings.treatment_classes) and the classifier's matches for the current version of each trial.

CREATE TABLE treatment_classes AS
SELECT treatment_class, label, parent, terms, intervention_types, sort_order
FROM src_config_treatment_classes
ORDER BY sort_order;

-- Matches of classes that are no longer configured are left out: the config is the list of classes.
CREATE TABLE trial_classes AS
SELECT DISTINCT m.nct_id, m.treatment_class, m.matched_field, m.matched_term, m.matched_text
FROM stg_ctgov_trial_classes AS m
JOIN treatment_classes AS tc USING (treatment_class)
JOIN trials AS t USING (nct_id)
ORDER BY m.nct_id, m.treatment_class, m.matched_field, m.matched_term;

-- Every class paired with itself and each of its descendants (from this build's config), so a record
-- matched by a class also counts for every ancestor of that class. Shared by trials, publications and
-- the changes table.
CREATE TABLE treatment_class_ancestry AS
WITH RECURSIVE ancestry(treatment_class, descendant) AS (
    SELECT treatment_class, treatment_class FROM treatment_classes
    UNION
    SELECT tc.parent, a.descendant
    FROM ancestry AS a
    JOIN treatment_classes AS tc ON tc.treatment_class = a.treatment_class
    WHERE tc.parent IS NOT NULL
)
SELECT treatment_class, descendant FROM ancestry
ORDER BY treatment_class, descendant;
