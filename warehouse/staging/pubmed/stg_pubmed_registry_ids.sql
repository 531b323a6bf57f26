-- grain: publication version x registry id cited
-- key: pmid, run_id, registry, accession, found_in
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_pubmed_registry_ids AS
SELECT pmid, registry, accession, found_in, is_trial_registry, run_id
FROM src_pubmed_publication_registry_ids;
