-- Analyst-facing PubMed tables: the current version of every publication (deleted PMIDs left out, see
-- 15_staging_pubmed.sql), why it belongs to a class, the trial ids it cites, and its links to trials.
-- Runs after 25_marts_classes.sql: it needs trials, trial_references and treatment_classes.

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

-- Every route that ties a trial to a publication, one row per route (a pair found several ways has
-- several rows). Both ends must be in the warehouse: ids of trials outside the ClinicalTrials.gov query
-- stay in publication_registry_ids, PMIDs outside the PubMed query stay in trial_references.
--   pubmed_databank: the PubMed record's DataBankList names the NCT id (NLM indexing);
--   pubmed_text:     the NCT id is written in the title or abstract;
--   ctgov_reference: the registry record's referencesModule lists the PMID, with its reference_type.
-- is_results_link: the publication reports the trial's results. A paper that cites the trial id in its
-- record or text is taken as the trial's report; of the registry's references only RESULT (results
-- reference) and DERIVED (indexed by NLM from the trial's id, i.e. the same databank link) count, not
-- BACKGROUND (literature the trial builds on).
CREATE TABLE trial_publications AS
WITH links AS (
    SELECT
        accession AS nct_id,
        pmid,
        CASE found_in WHEN 'databank' THEN 'pubmed_databank' ELSE 'pubmed_text' END AS link_source,
        NULL::VARCHAR AS reference_type
    FROM publication_registry_ids
    WHERE registry = 'ClinicalTrials.gov' AND found_in IN ('databank', 'title', 'abstract')
    UNION
    SELECT nct_id, trim(pmid), 'ctgov_reference', upper(trim(reference_type))
    FROM trial_references
    WHERE pmid IS NOT NULL AND trim(pmid) <> ''
)
SELECT
    l.nct_id,
    l.pmid,
    l.link_source,
    l.reference_type,
    l.link_source IN ('pubmed_databank', 'pubmed_text')
        OR coalesce(l.reference_type IN ('RESULT', 'DERIVED'), false) AS is_results_link
FROM links AS l
JOIN trials AS t USING (nct_id)
JOIN publications AS p USING (pmid)
ORDER BY l.nct_id, length(l.pmid), l.pmid, l.link_source, l.reference_type;

-- (class, publication) pairs: a publication matched by a class also counts for every ancestor class,
-- computed from the config of this build (stg_class_ancestry) as for trials.
CREATE TEMP TABLE stg_publication_class_membership AS
SELECT DISTINCT a.treatment_class, c.pmid
FROM publication_classes AS c
JOIN stg_class_ancestry AS a ON a.descendant = c.treatment_class;
