-- grain: PMID the newest full PubMed pull (with data) did not return, and no later run returned
-- key: pmid
-- incremental: before splice (an incremental build never holds a new full pull, so it removes nothing)
--
-- As for trials, such a PMID has left the query's answer: it is left out. Incremental pulls prove nothing.

CREATE TEMP VIEW int_pubmed_removed AS
SELECT pmid, max(run_id) AS last_seen_run
FROM stg_pubmed_publications
GROUP BY pmid
HAVING max(run_id) < (SELECT max(run_id) FROM int_pubmed_full_runs);
