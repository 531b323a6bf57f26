-- grain: source x Parquet table x run holding a partition of it
-- key: source, table_name, run_id
-- incremental: complete (every run: it reads the list of all partitions)
--
-- Which runs have data, whichever partitions the build reads: anything that needs all runs (the newest
-- run, the full pulls) reads this, so the same SQL gives the same answer in both build modes.

CREATE TEMP VIEW int_partition_runs AS
SELECT DISTINCT source, table_name, run_id
FROM stg_partition_files;
