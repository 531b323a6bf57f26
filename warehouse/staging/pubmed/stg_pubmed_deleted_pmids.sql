-- grain: deletion: one row per PMID per run that reported it deleted (DeleteCitation)
-- key: pmid, run_id
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_pubmed_deleted_pmids AS
SELECT pmid, run_id, fetched_at, data_timestamp
FROM src_pubmed_deleted_pmids;
