-- grain: trial version: one row per trial per run that stored it
-- key: nct_id, run_id
-- incremental: before splice (an incremental build registers only the new runs' partitions)
--
-- Staging views only rename and cast what pipeline/warehouse/relations.py registers (src_<source>_<table>,
-- one relation per Parquet table, typed by its Arrow schema). Temporary: nothing in the warehouse file
-- depends on Parquet paths. Which version of a trial is current is decided in intermediate/.

CREATE TEMP VIEW stg_ctgov_trials AS
SELECT
    nct_id,
    brief_title AS title,
    official_title,
    acronym,
    org_study_id,
    overall_status,
    status_group,
    why_stopped,
    study_type,
    phase,
    phases_raw AS phases,
    allocation,
    intervention_model,
    primary_purpose,
    masking,
    enrollment,
    enrollment_type,
    start_date_raw,
    start_date,
    start_date_precision,
    start_date_type,
    primary_completion_date_raw,
    primary_completion_date,
    primary_completion_date_precision,
    primary_completion_date_type,
    completion_date_raw,
    completion_date,
    completion_date_precision,
    completion_date_type,
    first_post_date,
    results_first_post_date,
    last_update_post_date,
    lead_sponsor,
    lead_sponsor_class,
    brief_summary,
    keywords,
    has_results,
    unknown_values,
    run_id,
    fetched_at,
    data_timestamp
FROM src_ctgov_trials;
