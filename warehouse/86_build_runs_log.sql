-- The run log (data_dir/runs/*.json) as of this build, one row per run x source fetched. The run
-- that built this file is still 'running' here: it finishes after the build (CSV export, artifact);
-- `evidence status` shows its final state.

CREATE OR REPLACE TABLE runs AS
SELECT
    run_id,
    source,
    status,
    run_mode,
    mode,
    reason,
    CAST(started_at AS TIMESTAMPTZ) AS started_at,
    CAST(finished_at AS TIMESTAMPTZ) AS finished_at,
    CAST(from_watermark AS DATE) AS from_watermark,
    CAST(since AS DATE) AS since,
    CAST(watermark AS DATE) AS watermark,
    n_records,
    total_count,
    n_drift_ids,
    n_drift_records,
    data_timestamp,
    error
FROM src_run_log
ORDER BY run_id, source;
