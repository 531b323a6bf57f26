-- (class, record) pairs: a trial or publication matched by a class also counts for every ancestor of
-- that class (treatment_class_ancestry, from this build's config). Temporary: inputs of the evidence
-- tables, recomputed by every build.

CREATE OR REPLACE TEMP TABLE stg_class_membership AS
SELECT DISTINCT a.treatment_class, c.nct_id
FROM trial_classes AS c
JOIN treatment_class_ancestry AS a ON a.descendant = c.treatment_class;

CREATE OR REPLACE TEMP TABLE stg_publication_class_membership AS
SELECT DISTINCT a.treatment_class, c.pmid
FROM publication_classes AS c
JOIN treatment_class_ancestry AS a ON a.descendant = c.treatment_class;
