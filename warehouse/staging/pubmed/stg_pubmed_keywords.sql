-- grain: publication version x keyword
-- key: none (PubMed may repeat a keyword)
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_pubmed_keywords AS
SELECT pmid, keyword, major, owner, run_id
FROM src_pubmed_publication_keywords;
