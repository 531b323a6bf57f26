-- grain: run x source: one row per refresh per source it planned (one with NULL source if none)
-- key: run_id, source
-- incremental: complete (the whole run log)

CREATE TEMP VIEW stg_run_log AS
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
FROM src_run_log;
