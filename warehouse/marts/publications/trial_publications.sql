-- grain: trial x publication x route that ties them (a pair found several ways has several rows)
-- key: nct_id, pmid, link_source, reference_type
-- incremental: rebuild (it joins both sources)
-- not null: nct_id, pmid, is_results_link
-- allowed: link_source in (pubmed_databank, pubmed_text, ctgov_reference)
--
-- Both ends must be in the warehouse: ids of trials outside the ClinicalTrials.gov query stay in
-- publication_registry_ids, PMIDs outside the PubMed query stay in trial_references.
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

COMMENT ON TABLE trial_publications IS 'Links between trials and publications, one row per route (a pair found several ways has several rows); both ends are in the warehouse.';
COMMENT ON COLUMN trial_publications.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_publications.pmid IS 'Publication (publications.pmid).';
COMMENT ON COLUMN trial_publications.link_source IS 'Route: pubmed_databank (the PubMed record''s DataBankList names the trial), pubmed_text (the NCT id is in the title or abstract), ctgov_reference (the registry record lists the PMID).';
COMMENT ON COLUMN trial_publications.reference_type IS 'For ctgov_reference: the registry''s reference type RESULT, DERIVED or BACKGROUND; NULL for the PubMed routes.';
COMMENT ON COLUMN trial_publications.is_results_link IS 'True when this route marks the publication as a report of the trial''s results: pubmed_databank, pubmed_text, or a ctgov_reference of type RESULT or DERIVED (not BACKGROUND).';
