-- grain: PMID that left PubMed's answer, with its last known version
-- key: pmid
-- incremental: patch by pmid
--
-- 'deleted' when a DeleteCitation is the PMID's newest event (removed_in_run is that run), 'not_returned'
-- when the newest full pull no longer returned it (removed_in_run is the first full pull after its last
-- sighting). They are absent from every other publication table; a later run that returns them brings
-- them back.

CREATE TABLE removed_publications AS
WITH deleted AS (
    SELECT pmid, 'deleted' AS reason, run_id AS removed_in_run
    FROM int_pubmed_latest_events
    WHERE is_deletion
),
not_returned AS (
    SELECT
        r.pmid,
        'not_returned' AS reason,
        (SELECT min(f.run_id) FROM int_pubmed_full_runs AS f WHERE f.run_id > r.last_seen_run) AS removed_in_run
    FROM int_pubmed_removed AS r
    WHERE r.pmid NOT IN (SELECT pmid FROM deleted)
),
removed AS (
    SELECT * FROM deleted
    UNION ALL
    SELECT * FROM not_returned
),
-- Every stored version precedes the removal, so the newest one is the last known: a deletion is the
-- PMID's newest event (ordered by fetched_at, so its run id may sort before the record's), and a PMID
-- not returned has no version after its last sighting.
last_versions AS (
    SELECT v.pmid, v.title, v.run_id, v.fetched_at
    FROM stg_pubmed_publication_versions AS v
    WHERE v.pmid IN (SELECT pmid FROM removed)
    QUALIFY row_number() OVER (PARTITION BY v.pmid ORDER BY v.fetched_at DESC, v.run_id DESC) = 1
)
SELECT
    r.pmid,
    v.title,
    r.reason,
    v.run_id AS last_seen_run,
    v.fetched_at AS last_fetched_at,
    r.removed_in_run,
    x.started_at AS removed_at
FROM removed AS r
LEFT JOIN last_versions AS v USING (pmid)
LEFT JOIN stg_raw_runs AS x ON x.source = 'pubmed' AND x.run_id = r.removed_in_run
ORDER BY length(r.pmid), r.pmid;

COMMENT ON TABLE removed_publications IS 'PMIDs that left PubMed''s answer, with their last known version: deleted by PubMed (DeleteCitation) or no longer returned by a full pull; they are absent from every other publication table.';
COMMENT ON COLUMN removed_publications.pmid IS 'PubMed identifier.';
COMMENT ON COLUMN removed_publications.title IS 'Article title of the last version seen; NULL when the pipeline never stored the record.';
COMMENT ON COLUMN removed_publications.reason IS 'deleted (PubMed deleted the citation) or not_returned (a full pull no longer returned it).';
COMMENT ON COLUMN removed_publications.last_seen_run IS 'Newest run that returned the record before its removal; NULL when none did.';
COMMENT ON COLUMN removed_publications.last_fetched_at IS 'When that run fetched it (UTC).';
COMMENT ON COLUMN removed_publications.removed_in_run IS 'Run that reported the deletion, or the first full run after last_seen_run that did not return it.';
COMMENT ON COLUMN removed_publications.removed_at IS 'When that run started (UTC).';
