-- grain: source x run read by this build
-- key: source, run_id
-- incremental: before splice (only the new runs in an incremental build)
--
-- What each run read: for ClinicalTrials.gov the trials it stored or re-read unchanged, for PubMed the
-- PMIDs it returned or deleted (DeleteCitation).

CREATE TEMP VIEW int_run_reads AS
SELECT
    'ctgov' AS source,
    run_id,
    max(data_timestamp) AS data_timestamp,
    min(fetched_at) AS first_fetched_at,
    max(fetched_at) AS last_fetched_at,
    count(DISTINCT nct_id) AS n_records
FROM int_ctgov_reads
GROUP BY run_id
UNION ALL
SELECT
    'pubmed' AS source,
    run_id,
    max(data_timestamp) AS data_timestamp,
    min(fetched_at) AS first_fetched_at,
    max(fetched_at) AS last_fetched_at,
    count(DISTINCT pmid) AS n_records
FROM int_pubmed_events
GROUP BY run_id;
