-- grain: treatment class x itself or one of its descendants, at any depth
-- key: treatment_class, descendant
-- incremental: keep (derived from the config only, which the build fingerprint covers)
--
-- A record matched by a class also counts for every ancestor of that class. Shared by trials,
-- publications and the changes table.

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

COMMENT ON TABLE treatment_class_ancestry IS 'Every configured class paired with itself and each of its descendants: a record matched by descendant counts for treatment_class.';
COMMENT ON COLUMN treatment_class_ancestry.treatment_class IS 'Class (treatment_classes.treatment_class).';
COMMENT ON COLUMN treatment_class_ancestry.descendant IS 'The class itself or one of its subclasses, at any depth.';
