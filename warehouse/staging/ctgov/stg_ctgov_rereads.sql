-- grain: trial read: one row per trial a drift re-read found unchanged, per run
-- key: nct_id, run_id
-- incremental: before splice (an incremental build registers only the new runs' partitions)
--
-- A drift re-read that found a trial unchanged stores no new version, only this row: the run still
-- returned the trial (see intermediate/ctgov/int_ctgov_reads.sql).

CREATE TEMP VIEW stg_ctgov_rereads AS
SELECT nct_id, content_sha256, run_id, fetched_at, data_timestamp
FROM src_ctgov_rereads;
