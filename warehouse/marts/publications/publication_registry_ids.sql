-- grain: publication x registry or data bank id it cites
-- key: pmid, registry, accession, found_in
-- incremental: patch by pmid
--
-- The PubMed record's DataBankList, plus NCT ids written in its title or abstract. The links to trials,
-- which join both sources, are in trial_publications.

CREATE TABLE publication_registry_ids AS
SELECT x.pmid, x.registry, x.accession, x.found_in, x.is_trial_registry
FROM stg_pubmed_registry_ids AS x
JOIN int_pubmed_current_runs AS c USING (pmid, run_id)
ORDER BY length(x.pmid), x.pmid, x.registry, x.accession, x.found_in;

COMMENT ON TABLE publication_registry_ids IS 'Trial registry and data bank ids cited by each publication: its DataBankList, plus NCT ids written in its title or abstract.';
COMMENT ON COLUMN publication_registry_ids.pmid IS 'Publication (publications.pmid).';
COMMENT ON COLUMN publication_registry_ids.registry IS 'Registry or data bank name as PubMed gives it, e.g. ClinicalTrials.gov, ISRCTN, GENBANK.';
COMMENT ON COLUMN publication_registry_ids.accession IS 'Id in that registry; NCT ids as NCT + 8 digits.';
COMMENT ON COLUMN publication_registry_ids.found_in IS 'databank (PubMed DataBankList), title or abstract (NCT id written in the text).';
COMMENT ON COLUMN publication_registry_ids.is_trial_registry IS 'True for clinical trial registries, false for sequence and data repositories.';
