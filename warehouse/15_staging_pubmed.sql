-- Staging for PubMed: temporary views over the src_pubmed_* relations that Python registers (one per
-- Parquet table; empty relations when no PubMed run exists, so a ctgov-only build gets empty PubMed
-- tables; an incremental build registers only the new runs, see 10_staging_ctgov.sql). As for trials, the newest run holding a PMID wins (fetched_at, then run_id) and ALL
-- its child rows (MeSH, keywords, registry ids, classes) come from that same run.
--
-- A DeleteCitation (src_pubmed_deleted_pmids) is an event of its own: when the newest event for a PMID
-- is its deletion, the PMID disappears from every table. A later run that returns the record again
-- brings it back. Within one run fetched at the same instant, the deletion wins.

CREATE TEMP VIEW stg_pubmed_events AS
SELECT pmid, run_id, fetched_at, data_timestamp, false AS is_deletion FROM src_pubmed_publications
UNION ALL
SELECT pmid, run_id, fetched_at, data_timestamp, true AS is_deletion FROM src_pubmed_deleted_pmids;

-- The newest event per PMID, deletion or record; warehouse_runs counts both.
CREATE TEMP VIEW stg_pubmed_latest_events AS
SELECT pmid, run_id, is_deletion
FROM stg_pubmed_events
QUALIFY row_number() OVER (PARTITION BY pmid ORDER BY fetched_at DESC, run_id DESC, is_deletion DESC) = 1;

-- As for trials, a PMID that the newest full PubMed pull (with data) did not return, and no later
-- run returned, has left the query's answer: it is left out. Incremental pulls prove nothing.
CREATE TEMP VIEW stg_pubmed_full_runs AS
SELECT r.run_id
FROM src_raw_runs AS r
WHERE r.source = 'pubmed' AND r.mode = 'full'
  AND r.run_id IN (
      SELECT run_id FROM stg_partition_runs
      WHERE source = 'pubmed' AND table_name IN ('publications', 'deleted_pmids'));

CREATE TEMP VIEW stg_pubmed_removed AS
SELECT pmid, max(run_id) AS last_seen_run
FROM src_pubmed_publications
GROUP BY pmid
HAVING max(run_id) < (SELECT max(run_id) FROM stg_pubmed_full_runs);

-- A temporary TABLE, not a view: every staging view below joins it, and a view would re-run the
-- window over all runs' rows once per table (a third of the build at 50,000 trials).
CREATE TEMP TABLE stg_pubmed_current_runs AS
SELECT pmid, run_id
FROM stg_pubmed_latest_events
WHERE NOT is_deletion AND pmid NOT IN (SELECT pmid FROM stg_pubmed_removed);

CREATE TEMP VIEW stg_pubmed_publications AS
SELECT
    p.pmid,
    p.record_kind,
    p.title,
    p.abstract,
    p.journal,
    p.iso_abbreviation,
    p.volume,
    p.issue,
    p.pages,
    p.pub_date_raw,
    p.pub_date,
    p.pub_date_precision,
    p.year,
    p.doi,
    p.pmcid,
    p.languages,
    p.publication_types,
    p.first_author,
    p.author_count,
    p.author_list_complete,
    p.is_rct_report,
    p.is_review,
    p.date_revised,
    p.run_id,
    p.fetched_at,
    p.data_timestamp
FROM src_pubmed_publications AS p
JOIN stg_pubmed_current_runs AS c USING (pmid, run_id);

CREATE TEMP VIEW stg_pubmed_mesh AS
SELECT x.pmid, x.descriptor, x.descriptor_ui, x.descriptor_major, x.qualifier, x.qualifier_ui, x.qualifier_major
FROM src_pubmed_publication_mesh AS x
JOIN stg_pubmed_current_runs AS c USING (pmid, run_id);

CREATE TEMP VIEW stg_pubmed_keywords AS
SELECT x.pmid, x.keyword, x.major, x.owner
FROM src_pubmed_publication_keywords AS x
JOIN stg_pubmed_current_runs AS c USING (pmid, run_id);

CREATE TEMP VIEW stg_pubmed_registry_ids AS
SELECT x.pmid, x.registry, x.accession, x.found_in, x.is_trial_registry
FROM src_pubmed_publication_registry_ids AS x
JOIN stg_pubmed_current_runs AS c USING (pmid, run_id);

-- The classifier writes one partition per run; only the current run's matches count.
CREATE TEMP VIEW stg_pubmed_publication_classes AS
SELECT x.pmid, x.treatment_class, x.matched_field, x.matched_term, x.matched_text
FROM src_pubmed_publication_classes AS x
JOIN stg_pubmed_current_runs AS c USING (pmid, run_id);
