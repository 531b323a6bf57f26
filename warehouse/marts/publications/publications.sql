-- grain: publication: one row per PubMed record, its current version
-- key: pmid
-- incremental: patch by pmid
-- not null: pmid, is_rct_report, is_review, url, run_id
--
-- The current version of every publication (int_pubmed_current_runs: deleted and removed PMIDs left
-- out), with its MeSH descriptors and keywords from the same run.

CREATE TABLE publications AS
WITH current_versions AS (
    SELECT p.* FROM stg_pubmed_publications AS p JOIN int_pubmed_current_runs AS c USING (pmid, run_id)
),
mesh AS (
    SELECT x.pmid, list(DISTINCT x.descriptor ORDER BY x.descriptor) AS mesh_descriptors
    FROM stg_pubmed_mesh AS x
    JOIN int_pubmed_current_runs AS c USING (pmid, run_id)
    GROUP BY x.pmid
),
keywords AS (
    SELECT x.pmid, list(DISTINCT x.keyword ORDER BY x.keyword) AS keywords
    FROM stg_pubmed_keywords AS x
    JOIN int_pubmed_current_runs AS c USING (pmid, run_id)
    GROUP BY x.pmid
)
SELECT
    p.* EXCLUDE (run_id, fetched_at, data_timestamp),
    coalesce(m.mesh_descriptors, []::VARCHAR[]) AS mesh_descriptors,
    coalesce(k.keywords, []::VARCHAR[]) AS keywords,
    'https://pubmed.ncbi.nlm.nih.gov/' || p.pmid || '/' AS url,
    p.run_id,
    p.fetched_at,
    p.data_timestamp
FROM current_versions AS p
LEFT JOIN mesh AS m USING (pmid)
LEFT JOIN keywords AS k USING (pmid)
ORDER BY length(p.pmid), p.pmid;

COMMENT ON TABLE publications IS 'One row per PubMed record, current version (from the newest run holding it); PMIDs deleted by PubMed (DeleteCitation) are left out.';
COMMENT ON COLUMN publications.pmid IS 'PubMed identifier; the key.';
COMMENT ON COLUMN publications.record_kind IS 'article (journal article) or book_article (book or chapter).';
COMMENT ON COLUMN publications.title IS 'Article title.';
COMMENT ON COLUMN publications.abstract IS 'Abstract; structured sections as "LABEL: text", joined by spaces.';
COMMENT ON COLUMN publications.journal IS 'Journal title; for a book chapter, the book title.';
COMMENT ON COLUMN publications.iso_abbreviation IS 'ISO journal abbreviation, e.g. Neurology.';
COMMENT ON COLUMN publications.volume IS 'Journal volume.';
COMMENT ON COLUMN publications.issue IS 'Journal issue.';
COMMENT ON COLUMN publications.pages IS 'Pages as given by PubMed (MedlinePgn), e.g. e2211-e2221.';
COMMENT ON COLUMN publications.pub_date_raw IS 'Publication date exactly as PubMed gives it.';
COMMENT ON COLUMN publications.pub_date IS 'Publication date; a month- or year-only date is its first day (see pub_date_precision).';
COMMENT ON COLUMN publications.pub_date_precision IS 'Precision of pub_date: day, month or year.';
COMMENT ON COLUMN publications.year IS 'Publication year.';
COMMENT ON COLUMN publications.doi IS 'DOI, if any.';
COMMENT ON COLUMN publications.pmcid IS 'PubMed Central id (PMC...), if the full text is there.';
COMMENT ON COLUMN publications.languages IS 'Languages of the article (PubMed codes, e.g. eng), a list.';
COMMENT ON COLUMN publications.publication_types IS 'PubMed publication types, e.g. Randomized Controlled Trial, Review, a list.';
COMMENT ON COLUMN publications.first_author IS 'First author as "LastName Initials", or the collective name.';
COMMENT ON COLUMN publications.author_count IS 'Number of authors listed.';
COMMENT ON COLUMN publications.author_list_complete IS 'False when PubMed marks the author list incomplete; NULL when there is no author list.';
COMMENT ON COLUMN publications.is_rct_report IS 'True when a publication type is Randomized Controlled Trial or Clinical Trial, Phase I-IV: the paper reports a trial.';
COMMENT ON COLUMN publications.is_review IS 'True when a publication type is Review, Systematic Review or Meta-Analysis.';
COMMENT ON COLUMN publications.date_revised IS 'Date NLM last revised the record.';
COMMENT ON COLUMN publications.mesh_descriptors IS 'MeSH descriptors indexed for the record (without qualifiers), a list.';
COMMENT ON COLUMN publications.keywords IS 'Keywords of the record (author and NLM keywords), a list.';
COMMENT ON COLUMN publications.url IS 'Record page on PubMed.';
COMMENT ON COLUMN publications.run_id IS 'Pipeline run this version of the record comes from.';
COMMENT ON COLUMN publications.fetched_at IS 'When this version was fetched from E-utilities (UTC).';
COMMENT ON COLUMN publications.data_timestamp IS 'Source data timestamp at fetch time, if the run recorded one.';
