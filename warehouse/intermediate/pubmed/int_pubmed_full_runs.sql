-- grain: full PubMed pull that returned or deleted PMIDs
-- key: run_id
-- incremental: complete (from every run)

CREATE TEMP VIEW int_pubmed_full_runs AS
SELECT r.run_id
FROM stg_raw_runs AS r
WHERE r.source = 'pubmed' AND r.mode = 'full'
  AND r.run_id IN (
      SELECT run_id FROM int_partition_runs
      WHERE source = 'pubmed' AND table_name IN ('publications', 'deleted_pmids'));
