-- grain: raw run: one row per complete raw run per source (its manifest)
-- key: source, run_id
-- incremental: complete (every complete raw run)
--
-- mode says whether a run was a full pull (only a full pull's absences remove records); total_count is
-- what the API announced (the reconciliation checks).

CREATE TEMP VIEW stg_raw_runs AS
SELECT
    source,
    run_id,
    mode,
    CAST(started_at AS TIMESTAMPTZ) AS started_at,
    finished_at,
    data_timestamp,
    total_count,
    n_records,
    n_drift_records
FROM src_raw_runs;
