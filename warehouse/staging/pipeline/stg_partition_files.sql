-- grain: Parquet file: one row per file of every finished partition on disk
-- key: file
-- incremental: complete (every partition on disk, whichever the build reads)

CREATE TEMP VIEW stg_partition_files AS
SELECT source, table_name, run_id, file, bytes, modified_ns
FROM src_partition_files;
