-- grain: publication version x MeSH heading (descriptor, qualifier)
-- key: none (PubMed may repeat a heading)
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_pubmed_mesh AS
SELECT pmid, descriptor, descriptor_ui, descriptor_major, qualifier, qualifier_ui, qualifier_major, run_id
FROM src_pubmed_publication_mesh;
