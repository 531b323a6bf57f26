-- check: publications reconcile with the newest full PubMed pull
--
-- As for trials: ESearch's Count, minus the PMIDs the same pull returned and then deleted.

WITH latest AS (
    SELECT max(run_id) AS run_id FROM int_partition_runs
    WHERE source = 'pubmed' AND table_name IN ('publications', 'deleted_pmids')
),
full_run AS (
    SELECT r.run_id, r.total_count FROM stg_raw_runs AS r JOIN latest AS l USING (run_id)
    WHERE r.source = 'pubmed' AND r.mode = 'full'
),
deleted AS (
    SELECT count(DISTINCT p.pmid) AS n
    FROM stg_pubmed_publications AS p
    JOIN stg_pubmed_deleted_pmids AS d USING (pmid, run_id)
    WHERE p.run_id = (SELECT run_id FROM full_run)
)
SELECT run_id || ': Count ' || total_count || ' minus ' || (SELECT n FROM deleted) || ' deleted but '
    || (SELECT count(*) FROM publications) || ' publications'
FROM full_run
WHERE total_count - (SELECT n FROM deleted) <> (SELECT count(*) FROM publications);
