-- grain: publication x class x match found by the classifier (configured classes only)
-- key: none (one row per distinct match)
-- incremental: patch by pmid
-- not null: treatment_class, matched_field, matched_term
-- allowed: matched_field in publication_matched_fields
--
-- The classifier's matches for the current version of each publication (only the current run's matches
-- count). Matches of classes that are no longer configured are left out: the config is the list of classes.
-- Rows are ordered by every column (one term can match several texts of a field, e.g. two keywords), so
-- the order is the same in every build.

CREATE TABLE publication_classes AS
SELECT DISTINCT m.pmid, m.treatment_class, m.matched_field, m.matched_term, m.matched_text
FROM stg_pubmed_publication_classes AS m
JOIN int_pubmed_current_runs AS c USING (pmid, run_id)
JOIN treatment_classes AS tc USING (treatment_class)
JOIN publications AS p USING (pmid)
ORDER BY length(m.pmid), m.pmid, m.treatment_class, m.matched_field, m.matched_term, m.matched_text;

COMMENT ON TABLE publication_classes IS 'Why each publication belongs to a class: one row per publication x class x match found by the classifier in title, abstract, MeSH or keywords (configured classes only).';
COMMENT ON COLUMN publication_classes.pmid IS 'Publication (publications.pmid).';
COMMENT ON COLUMN publication_classes.treatment_class IS 'Class matched (treatment_classes.treatment_class).';
COMMENT ON COLUMN publication_classes.matched_field IS 'Where the term was found: title, abstract, mesh (a MeSH descriptor), keyword, or child_class (the class of a subclass match).';
COMMENT ON COLUMN publication_classes.matched_term IS 'Configured term that matched; for child_class rows, the subclass.';
COMMENT ON COLUMN publication_classes.matched_text IS 'The text it matched in; NULL for child_class rows.';
