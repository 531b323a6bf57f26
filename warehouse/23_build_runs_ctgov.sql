-- Which ClinicalTrials.gov runs this build read: one row per run (keyed by source and run, so an
-- incremental build adds the new runs' rows). How many current records each run still supplies is
-- counted over the whole warehouse by 80_build_runs_current.sql. PubMed adds its rows in 24.

CREATE TABLE warehouse_runs AS
SELECT
    'ctgov' AS source,
    s.run_id,
    max(s.data_timestamp) AS data_timestamp,
    min(s.fetched_at) AS first_fetched_at,
    max(s.fetched_at) AS last_fetched_at,
    count(DISTINCT s.nct_id) AS n_records,
    NULL::BIGINT AS n_current_records
FROM stg_ctgov_reads AS s
GROUP BY s.run_id
ORDER BY s.run_id;
