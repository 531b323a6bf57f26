-- grain: this build: one row
-- key: none (one row)
-- incremental: rebuild (every build)
--
-- When and how (full, or incremental with the reason a full one was not needed), with which DuckDB, from
-- which runs and API data snapshots.

CREATE OR REPLACE TABLE warehouse_builds AS
SELECT
    now() AS built_at,
    b.build_mode,
    b.build_reason,
    b.fingerprint,
    version() AS duckdb_version,
    coalesce(
        (SELECT list(source || ':' || run_id ORDER BY source, run_id)
         FROM warehouse_runs WHERE n_current_records > 0),
        []::VARCHAR[]
    ) AS run_ids,
    coalesce(
        (SELECT list(DISTINCT data_timestamp ORDER BY data_timestamp)
         FROM warehouse_runs WHERE n_current_records > 0 AND data_timestamp IS NOT NULL),
        []::VARCHAR[]
    ) AS data_timestamps,
    (SELECT count(*) FROM trials) AS n_trials
FROM stg_build_plan AS b;

COMMENT ON TABLE warehouse_builds IS 'This build: one row.';
COMMENT ON COLUMN warehouse_builds.built_at IS 'When the warehouse was built (UTC).';
COMMENT ON COLUMN warehouse_builds.build_mode IS 'full (every table derived from every Parquet partition) or incremental (the previous warehouse updated with the new runs'' records only; same result).';
COMMENT ON COLUMN warehouse_builds.build_reason IS 'Why this mode: for a full build, what ruled out an incremental one.';
COMMENT ON COLUMN warehouse_builds.fingerprint IS 'Hash of the warehouse SQL, the Parquet schemas, the configured treatment classes and the DuckDB version: an incremental build needs the previous build''s to be the same.';
COMMENT ON COLUMN warehouse_builds.duckdb_version IS 'DuckDB version that wrote the file.';
COMMENT ON COLUMN warehouse_builds.run_ids IS 'Runs supplying current records, as source:run_id.';
COMMENT ON COLUMN warehouse_builds.data_timestamps IS 'API data timestamps of those runs.';
COMMENT ON COLUMN warehouse_builds.n_trials IS 'Number of trials in the trials table.';
