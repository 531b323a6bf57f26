-- grain: trial: one row per ClinicalTrials.gov study, its current version
-- key: nct_id
-- incremental: patch by nct_id
-- not null: nct_id, status_group, has_results, url, run_id
-- allowed: phase in phases or null
-- allowed: status_group in status_groups
--
-- Analyst-facing trial tables are materialised copies of the current version of every trial (the run
-- int_ctgov_current_runs names), so queries never depend on Parquet files. One table per registry
-- section; keys are (nct_id, *_idx).

CREATE TABLE trials AS
SELECT
    t.* EXCLUDE (run_id, fetched_at, data_timestamp),
    'https://clinicaltrials.gov/study/' || t.nct_id AS url,
    t.run_id,
    t.fetched_at,
    t.data_timestamp
FROM stg_ctgov_trials AS t
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
ORDER BY t.nct_id;

COMMENT ON TABLE trials IS 'One row per ClinicalTrials.gov study, current version (from the newest run holding it).';
COMMENT ON COLUMN trials.nct_id IS 'ClinicalTrials.gov identifier (NCT + 8 digits); the key.';
COMMENT ON COLUMN trials.title IS 'Brief title as registered.';
COMMENT ON COLUMN trials.official_title IS 'Official (scientific) title as registered.';
COMMENT ON COLUMN trials.acronym IS 'Study acronym, if registered.';
COMMENT ON COLUMN trials.org_study_id IS 'The sponsor''s own study identifier.';
COMMENT ON COLUMN trials.overall_status IS 'Registry recruitment status, e.g. COMPLETED, RECRUITING, TERMINATED.';
COMMENT ON COLUMN trials.status_group IS 'overall_status grouped: ongoing, completed, ended_early or other.';
COMMENT ON COLUMN trials.why_stopped IS 'Reason given for stopping early, if any.';
COMMENT ON COLUMN trials.study_type IS 'INTERVENTIONAL, OBSERVATIONAL or EXPANDED_ACCESS.';
COMMENT ON COLUMN trials.phase IS 'Phase: EARLY_PHASE1, PHASE1, PHASE1/PHASE2, PHASE2, PHASE2/PHASE3, PHASE3, PHASE4, NA (not applicable, e.g. devices); NULL when none registered.';
COMMENT ON COLUMN trials.phases IS 'Phases exactly as registered (a list).';
COMMENT ON COLUMN trials.allocation IS 'RANDOMIZED, NON_RANDOMIZED or NA.';
COMMENT ON COLUMN trials.intervention_model IS 'Design model, e.g. PARALLEL, CROSSOVER, SINGLE_GROUP.';
COMMENT ON COLUMN trials.primary_purpose IS 'Primary purpose, e.g. TREATMENT, PREVENTION.';
COMMENT ON COLUMN trials.masking IS 'Blinding: NONE, SINGLE, DOUBLE, TRIPLE or QUADRUPLE.';
COMMENT ON COLUMN trials.enrollment IS 'Number of participants (actual or anticipated, see enrollment_type).';
COMMENT ON COLUMN trials.enrollment_type IS 'ACTUAL or ESTIMATED enrollment.';
COMMENT ON COLUMN trials.start_date_raw IS 'Study start exactly as registered ("2015-07" keeps its month-only form).';
COMMENT ON COLUMN trials.primary_completion_date_raw IS 'Primary completion date exactly as registered.';
COMMENT ON COLUMN trials.completion_date_raw IS 'Study completion date exactly as registered.';
COMMENT ON COLUMN trials.start_date IS 'Study start; a month- or year-only registry date is its first day (see start_date_precision).';
COMMENT ON COLUMN trials.start_date_precision IS 'Precision of start_date as registered: day, month or year.';
COMMENT ON COLUMN trials.start_date_type IS 'ACTUAL or ESTIMATED start date.';
COMMENT ON COLUMN trials.primary_completion_date IS 'Last participant''s primary outcome data; month/year dates are their first day.';
COMMENT ON COLUMN trials.primary_completion_date_precision IS 'Precision of primary_completion_date: day, month or year.';
COMMENT ON COLUMN trials.primary_completion_date_type IS 'ACTUAL or ESTIMATED primary completion date.';
COMMENT ON COLUMN trials.completion_date IS 'Study completion; month/year dates are their first day.';
COMMENT ON COLUMN trials.completion_date_precision IS 'Precision of completion_date: day, month or year.';
COMMENT ON COLUMN trials.completion_date_type IS 'ACTUAL or ESTIMATED completion date.';
COMMENT ON COLUMN trials.first_post_date IS 'Date the study was first posted on ClinicalTrials.gov.';
COMMENT ON COLUMN trials.results_first_post_date IS 'Date results were first posted; NULL when none.';
COMMENT ON COLUMN trials.last_update_post_date IS 'Date of the last update posted on ClinicalTrials.gov.';
COMMENT ON COLUMN trials.lead_sponsor IS 'Lead sponsor name.';
COMMENT ON COLUMN trials.lead_sponsor_class IS 'Lead sponsor type, e.g. INDUSTRY, NIH, OTHER.';
COMMENT ON COLUMN trials.brief_summary IS 'Brief summary as registered.';
COMMENT ON COLUMN trials.keywords IS 'Keywords as registered (a list).';
COMMENT ON COLUMN trials.has_results IS 'True when results are posted on ClinicalTrials.gov.';
COMMENT ON COLUMN trials.unknown_values IS 'Registry values the pipeline did not recognise (field=value), kept for review.';
COMMENT ON COLUMN trials.url IS 'Study page on ClinicalTrials.gov.';
COMMENT ON COLUMN trials.run_id IS 'Pipeline run this version of the study comes from.';
COMMENT ON COLUMN trials.fetched_at IS 'When this version was fetched from the API (UTC).';
COMMENT ON COLUMN trials.data_timestamp IS 'API data timestamp (registry snapshot) at fetch time.';
