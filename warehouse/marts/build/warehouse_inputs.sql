-- grain: Parquet file this build was derived from
-- key: file
-- incremental: rebuild (every partition on disk, every build)
--
-- The next build compares these with what is on disk to decide whether it can update this file in place
-- (pipeline/warehouse/plan.py).

CREATE OR REPLACE TABLE warehouse_inputs AS
SELECT source, table_name, run_id, file, bytes, modified_ns
FROM stg_partition_files
ORDER BY source, table_name, run_id, file;

COMMENT ON TABLE warehouse_inputs IS 'Parquet partitions this build was derived from, one row per file; the next build compares them with the disk (a changed or missing file forces a full build).';
COMMENT ON COLUMN warehouse_inputs.source IS 'Data source: ctgov or pubmed.';
COMMENT ON COLUMN warehouse_inputs.table_name IS 'Parquet table (folder under parquet/<source>/).';
COMMENT ON COLUMN warehouse_inputs.run_id IS 'Run whose partition the file is.';
COMMENT ON COLUMN warehouse_inputs.file IS 'Path relative to the Parquet folder (data_dir/parquet).';
COMMENT ON COLUMN warehouse_inputs.bytes IS 'File size when read.';
COMMENT ON COLUMN warehouse_inputs.modified_ns IS 'File modification time when read (ns since the epoch).';
