-- grain: treatment class x trial it counts for
-- key: treatment_class, nct_id
-- incremental: rebuild (over every trial, after the splice)
--
-- A trial matched by a class also counts for every ancestor of that class (treatment_class_ancestry,
-- from this build's config). Input of the evidence tables.

CREATE TEMP TABLE int_class_membership AS
SELECT DISTINCT a.treatment_class, c.nct_id
FROM trial_classes AS c
JOIN treatment_class_ancestry AS a ON a.descendant = c.treatment_class;
