-- grain: publication version: one row per PMID per run that returned it
-- key: pmid, run_id
-- incremental: before splice (an incremental build registers only the new runs' partitions)
--
-- Empty (typed) relations when no PubMed run exists, so a ctgov-only build gets empty PubMed tables.

CREATE TEMP VIEW stg_pubmed_publications AS
SELECT
    pmid,
    record_kind,
    title,
    abstract,
    journal,
    iso_abbreviation,
    volume,
    issue,
    pages,
    pub_date_raw,
    pub_date,
    pub_date_precision,
    year,
    doi,
    pmcid,
    languages,
    publication_types,
    first_author,
    author_count,
    author_list_complete,
    is_rct_report,
    is_review,
    date_revised,
    run_id,
    fetched_at,
    data_timestamp
FROM src_pubmed_publications;
