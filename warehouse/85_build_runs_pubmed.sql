-- Which PubMed runs this build read. A record here is a PMID the run returned or deleted
-- (DeleteCitation); n_current_records counts the PMIDs whose newest event is this run's, deletions
-- included, so a run that only deleted PMIDs still shows as supplying current data.

INSERT INTO warehouse_runs
SELECT
    'pubmed' AS source,
    e.run_id,
    max(e.data_timestamp) AS data_timestamp,
    min(e.fetched_at) AS first_fetched_at,
    max(e.fetched_at) AS last_fetched_at,
    count(DISTINCT e.pmid) AS n_records,
    count(DISTINCT l.pmid) AS n_current_records
FROM (
    SELECT pmid, run_id, fetched_at, data_timestamp FROM src_pubmed_publications
    UNION ALL
    SELECT pmid, run_id, fetched_at, data_timestamp FROM src_pubmed_deleted_pmids
) AS e
LEFT JOIN stg_pubmed_latest_events AS l USING (pmid, run_id)
GROUP BY e.run_id
ORDER BY e.run_id;
