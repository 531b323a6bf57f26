-- How many current records each run still supplies (a run fully superseded by newer runs shows 0):
-- trials and publications whose current version it holds, plus the PMIDs it deleted (a run that only
-- deleted PMIDs still supplies current data). Counted over the whole warehouse on every build.

UPDATE warehouse_runs SET n_current_records = 0;

UPDATE warehouse_runs AS w
SET n_current_records = c.n
FROM (
    SELECT 'ctgov' AS source, run_id, count(*) AS n FROM trials GROUP BY run_id
    UNION ALL
    SELECT 'pubmed', run_id, count(*) FROM (
        SELECT run_id FROM publications
        UNION ALL
        SELECT removed_in_run FROM removed_publications WHERE reason = 'deleted'
    )
    GROUP BY run_id
) AS c
WHERE w.source = c.source AND w.run_id = c.run_id;
