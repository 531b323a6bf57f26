-- grain: PMID: its newest event, deletion or record
-- key: pmid
-- incremental: before splice (only the PMIDs the new runs touched in an incremental build)
--
-- Newest by fetched_at, then run_id; within one run fetched at the same instant, the deletion wins.

CREATE TEMP VIEW int_pubmed_latest_events AS
SELECT pmid, run_id, is_deletion
FROM int_pubmed_events
QUALIFY row_number() OVER (PARTITION BY pmid ORDER BY fetched_at DESC, run_id DESC, is_deletion DESC) = 1;
