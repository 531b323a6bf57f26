-- Which ClinicalTrials.gov runs this build read, and how many current trials each still supplies (a run
-- fully superseded by newer runs shows 0). Other sources add their rows in their own 8x file.

CREATE TABLE warehouse_runs AS
SELECT
    'ctgov' AS source,
    s.run_id,
    max(s.data_timestamp) AS data_timestamp,
    min(s.fetched_at) AS first_fetched_at,
    max(s.fetched_at) AS last_fetched_at,
    count(DISTINCT s.nct_id) AS n_records,
    count(DISTINCT c.nct_id) AS n_current_records
FROM stg_ctgov_reads AS s
LEFT JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id)
GROUP BY s.run_id
ORDER BY s.run_id;
