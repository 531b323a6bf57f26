-- grain: PubMed event: one row per PMID per run that returned it or reported it deleted
-- key: none (a run may return a PMID and report it deleted)
-- incremental: before splice (only the new runs in an incremental build)
--
-- A DeleteCitation (stg_pubmed_deleted_pmids) is an event of its own: when the newest event for a PMID
-- is its deletion, the PMID disappears from every table. A later run that returns the record again
-- brings it back.

CREATE TEMP VIEW int_pubmed_events AS
SELECT pmid, run_id, fetched_at, data_timestamp, false AS is_deletion FROM stg_pubmed_publications
UNION ALL
SELECT pmid, run_id, fetched_at, data_timestamp, true AS is_deletion FROM stg_pubmed_deleted_pmids;
