-- Analyst-facing PubMed tables: the current version of every publication (deleted PMIDs left out, see
-- 15_staging_pubmed.sql), why it belongs to a class, the trial ids it cites, and the PMIDs removed.
-- Runs after 25_marts_classes.sql: it needs treatment_classes. The links to trials, which join both
-- sources, are whole-warehouse tables (30_marts_trial_publications.sql).

CREATE TABLE publications AS
WITH mesh AS (
    SELECT pmid, list(DISTINCT descriptor ORDER BY descriptor) AS mesh_descriptors
    FROM stg_pubmed_mesh
    GROUP BY pmid
),
keywords AS (
    SELECT pmid, list(DISTINCT keyword ORDER BY keyword) AS keywords
    FROM stg_pubmed_keywords
    GROUP BY pmid
)
SELECT
    p.* EXCLUDE (run_id, fetched_at, data_timestamp),
    coalesce(m.mesh_descriptors, []::VARCHAR[]) AS mesh_descriptors,
    coalesce(k.keywords, []::VARCHAR[]) AS keywords,
    'https://pubmed.ncbi.nlm.nih.gov/' || p.pmid || '/' AS url,
    p.run_id,
    p.fetched_at,
    p.data_timestamp
FROM stg_pubmed_publications AS p
LEFT JOIN mesh AS m USING (pmid)
LEFT JOIN keywords AS k USING (pmid)
ORDER BY length(p.pmid), p.pmid;

-- Matches of classes that are no longer configured are left out: the config is the list of classes.
CREATE TABLE publication_classes AS
SELECT DISTINCT m.pmid, m.treatment_class, m.matched_field, m.matched_term, m.matched_text
FROM stg_pubmed_publication_classes AS m
JOIN treatment_classes AS tc USING (treatment_class)
JOIN publications AS p USING (pmid)
ORDER BY length(m.pmid), m.pmid, m.treatment_class, m.matched_field, m.matched_term;

CREATE TABLE publication_registry_ids AS
SELECT pmid, registry, accession, found_in, is_trial_registry
FROM stg_pubmed_registry_ids
ORDER BY length(pmid), pmid, registry, accession, found_in;

-- PMIDs that left PubMed's answer, with their last known version: 'deleted' when a DeleteCitation is
-- their newest event (removed_in_run is that run), 'not_returned' when the newest full pull no longer
-- returned them (removed_in_run is the first full pull after their last sighting). They are absent
-- from every other publication table; a later run that returns them brings them back.
CREATE TABLE removed_publications AS
WITH deleted AS (
    SELECT pmid, 'deleted' AS reason, run_id AS removed_in_run
    FROM stg_pubmed_latest_events
    WHERE is_deletion
),
not_returned AS (
    SELECT
        r.pmid,
        'not_returned' AS reason,
        (SELECT min(f.run_id) FROM stg_pubmed_full_runs AS f WHERE f.run_id > r.last_seen_run) AS removed_in_run
    FROM stg_pubmed_removed AS r
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
    FROM src_pubmed_publication_versions AS v
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
    CAST(x.started_at AS TIMESTAMPTZ) AS removed_at
FROM removed AS r
LEFT JOIN last_versions AS v USING (pmid)
LEFT JOIN src_raw_runs AS x ON x.source = 'pubmed' AND x.run_id = r.removed_in_run
ORDER BY length(r.pmid), r.pmid;
