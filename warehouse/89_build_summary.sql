-- One row describing this build: when, with which DuckDB, from which runs and API data snapshots.

CREATE TABLE warehouse_builds AS
SELECT
    now() AS built_at,
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
    (SELECT count(*) FROM trials) AS n_trials;
