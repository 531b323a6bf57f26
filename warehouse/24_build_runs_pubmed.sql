-- Which PubMed runs this build read, one row per run. A record here is a PMID the run returned or
-- deleted (DeleteCitation). n_current_records: see 80_build_runs_current.sql.

INSERT INTO warehouse_runs
SELECT
    'pubmed' AS source,
    e.run_id,
    max(e.data_timestamp) AS data_timestamp,
    min(e.fetched_at) AS first_fetched_at,
    max(e.fetched_at) AS last_fetched_at,
    count(DISTINCT e.pmid) AS n_records,
    NULL::BIGINT AS n_current_records
FROM stg_pubmed_events AS e
GROUP BY e.run_id
ORDER BY e.run_id;
