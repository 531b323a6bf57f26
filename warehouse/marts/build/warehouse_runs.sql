-- grain: source x run read by this build or an earlier one it updated
-- key: source, run_id
-- incremental: append (after the splice: runs not yet listed are added, then every run is recounted)
--
-- Which runs the warehouse read, and how many current records each still supplies (a run fully
-- superseded by newer runs shows 0): trials and publications whose current version it holds, plus the
-- PMIDs it deleted (a run that only deleted PMIDs still supplies current data). A full build starts
-- from an empty table; an incremental one keeps the previous build's rows, whose read counts its
-- inputs (only the new runs) could not recompute, and adds the new runs'.

CREATE TABLE IF NOT EXISTS warehouse_runs (
    source VARCHAR,
    run_id VARCHAR,
    data_timestamp VARCHAR,
    first_fetched_at TIMESTAMPTZ,
    last_fetched_at TIMESTAMPTZ,
    n_records BIGINT,
    n_current_records BIGINT
);

INSERT INTO warehouse_runs
SELECT r.source, r.run_id, r.data_timestamp, r.first_fetched_at, r.last_fetched_at, r.n_records, NULL
FROM int_run_reads AS r
WHERE NOT EXISTS (SELECT 1 FROM warehouse_runs AS w WHERE w.source = r.source AND w.run_id = r.run_id)
ORDER BY r.source, r.run_id;

UPDATE warehouse_runs SET n_current_records = 0;

UPDATE warehouse_runs AS w
SET n_current_records = c.n
FROM (
    SELECT 'ctgov' AS source, run_id, count(*) AS n FROM trials GROUP BY run_id
    UNION ALL
    SELECT 'pubmed', run_id, count(*) FROM (
        SELECT run_id FROM publications
        UNION ALL
        SELECT removed_in_run FROM removed_publications WHERE reason = 'deleted'
    )
    GROUP BY run_id
) AS c
WHERE w.source = c.source AND w.run_id = c.run_id;

COMMENT ON TABLE warehouse_runs IS 'Source runs read by this build, one row per source x run.';
COMMENT ON COLUMN warehouse_runs.source IS 'Data source: ctgov or pubmed.';
COMMENT ON COLUMN warehouse_runs.run_id IS 'Pipeline run id (UTC start time + 4 hex chars).';
COMMENT ON COLUMN warehouse_runs.data_timestamp IS 'API data timestamp (registry snapshot) of the run.';
COMMENT ON COLUMN warehouse_runs.first_fetched_at IS 'First record fetched in the run (UTC).';
COMMENT ON COLUMN warehouse_runs.last_fetched_at IS 'Last record fetched in the run (UTC).';
COMMENT ON COLUMN warehouse_runs.n_records IS 'Records the run read (trials stored or re-read unchanged; for pubmed, PMIDs returned or deleted).';
COMMENT ON COLUMN warehouse_runs.n_current_records IS 'Records for which this run supplies the current version, plus for pubmed the PMIDs it deleted (0: fully superseded).';
