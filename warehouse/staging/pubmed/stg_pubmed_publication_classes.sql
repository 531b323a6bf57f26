-- grain: publication version x classifier match (the classifier writes one partition per run)
-- key: none (one row per match found)
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_pubmed_publication_classes AS
SELECT pmid, treatment_class, matched_field, matched_term, matched_text, run_id
FROM src_pubmed_publication_classes;
