-- grain: current publication: the run holding each PMID's current version
-- key: pmid
-- incremental: before splice (only the PMIDs the new runs touched in an incremental build)
--
-- As for trials, the newest run holding a PMID wins and ALL its child rows (MeSH, keywords, registry
-- ids, classes) come from that same run; deleted and removed PMIDs have no current version.
-- A temporary TABLE, not a view: every publication mart joins it.

CREATE TEMP TABLE int_pubmed_current_runs AS
SELECT pmid, run_id
FROM int_pubmed_latest_events
WHERE NOT is_deletion AND pmid NOT IN (SELECT pmid FROM int_pubmed_removed);
