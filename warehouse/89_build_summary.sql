-- This build: when, how (full, or incremental with the reason a full one was not needed), with which
-- DuckDB, from which runs and API data snapshots; and the Parquet partitions it was built from, which
-- the next build compares with what is on disk to decide whether it can update this file in place.

CREATE OR REPLACE TABLE warehouse_inputs AS
SELECT source, table_name, run_id, file, bytes, modified_ns
FROM src_partition_files
ORDER BY source, table_name, run_id, file;

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
FROM src_build_plan AS b;
