-- Links between trials and publications, and what they say about each trial's results. A
-- whole-warehouse table (files 30-99): it joins both sources, so every build recomputes it from the
-- per-record tables trial_references, publication_registry_ids, trials and publications.

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
CREATE OR REPLACE TABLE trial_publications AS
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

-- Publication evidence per trial. results_route says where a trial's results can be read:
-- 'registry' = posted on ClinicalTrials.gov only (has_results), 'publication' = only a linked results
-- publication (trial_publications.is_results_link: a pubmed_databank or pubmed_text link, or a
-- ctgov_reference of type RESULT or DERIVED), 'both', or 'none'. linked_pmids lists the publications
-- linked by any route, results or not. Without PubMed data every trial is 'registry' or 'none'.
CREATE TEMP VIEW stg_trial_publication_evidence AS
SELECT
    nct_id,
    list(pmid ORDER BY length(pmid), pmid) AS linked_pmids,
    bool_or(has_results_link) AS has_results_publication
FROM (
    SELECT nct_id, pmid, bool_or(is_results_link) AS has_results_link
    FROM trial_publications
    GROUP BY nct_id, pmid
)
GROUP BY nct_id;
