-- grain: publication version: one row per PMID per run that returned it, narrow (title)
-- key: pmid, run_id
-- incremental: before splice (every run's versions, but only of the PMIDs the new runs touched)
--
-- Every stored version of a publication, from every run kept: the last known version of a removed PMID.

CREATE TEMP VIEW stg_pubmed_publication_versions AS
SELECT pmid, title, run_id, fetched_at
FROM src_pubmed_publication_versions;
