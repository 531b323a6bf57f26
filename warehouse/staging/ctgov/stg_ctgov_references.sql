-- grain: trial version x reference listed by the registry
-- key: nct_id, run_id, reference_idx
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_references AS
SELECT nct_id, reference_idx, pmid, reference_type, citation, run_id
FROM src_ctgov_references;
