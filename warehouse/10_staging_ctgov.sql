-- Staging for ClinicalTrials.gov: temporary views over the src_ctgov_* relations that Python registers
-- (one per Parquet table). They only rename columns and keep the current version of each trial: the
-- row of the newest run holding it (fetched_at, then run_id), with ALL its child rows taken from that
-- same run, so a newer run that drops an intervention really drops it. Trials a full run no longer
-- returns are removed (see stg_ctgov_removed).
-- Temporary: nothing in the warehouse file depends on Parquet paths.
--
-- Files 10-29 derive per-record tables (keyed by nct_id, pmid or run). A full build registers every
-- run's partitions; an incremental build (pipeline/storage/warehouse_incremental.py) registers only the
-- new runs' partitions, every run's *versions* of the records those runs touch
-- (src_ctgov_trial_versions), and, for both modes, the list of every partition (src_partition_files).
-- So anything that needs the whole history of a record reads the versions relation, and anything
-- that needs all runs reads src_partition_files: the same SQL then gives the same rows for the
-- touched records in both modes.

-- Runs with data per source and table (every run, in both build modes).
CREATE TEMP VIEW stg_partition_runs AS
SELECT DISTINCT source, table_name, run_id FROM src_partition_files;

-- The newest ClinicalTrials.gov run that read any trial (a stored version or an unchanged re-read).
CREATE TEMP VIEW stg_ctgov_latest_run AS
SELECT max(run_id) AS run_id
FROM stg_partition_runs
WHERE source = 'ctgov' AND table_name IN ('trials', 'rereads');

-- Removal: only a FULL pull's absences mean a trial left the registry's answer (an incremental pull
-- returns just what changed). A trial last seen in a run older than the newest full run that has
-- data is removed: left out of every current table and listed in removed_trials, removed by the
-- first full run after its last sighting. A later run that returns it brings it back. (An incremental
-- build never includes a new full run, so the trials it touches are never removed by it.)
-- Every read of a trial: its stored versions plus the drift re-reads that found it unchanged (those
-- are recorded in src_ctgov_rereads instead of as a new identical version). A run counts as having
-- returned a trial, and as the latest run, whichever of the two it wrote.
CREATE TEMP VIEW stg_ctgov_reads AS
SELECT nct_id, run_id, fetched_at, data_timestamp FROM src_ctgov_trials
UNION ALL
SELECT nct_id, run_id, fetched_at, data_timestamp FROM src_ctgov_rereads;

CREATE TEMP VIEW stg_ctgov_full_runs AS
SELECT r.run_id, r.started_at
FROM src_raw_runs AS r
WHERE r.source = 'ctgov' AND r.mode = 'full'
  AND r.run_id IN (SELECT run_id FROM stg_partition_runs WHERE source = 'ctgov' AND table_name = 'trials');

CREATE TEMP VIEW stg_ctgov_sightings AS
SELECT
    nct_id, min(run_id) AS first_seen_run, max(run_id) AS last_seen_run,
    arg_max(fetched_at, run_id) AS last_seen_at
FROM stg_ctgov_reads
GROUP BY nct_id;

CREATE TEMP VIEW stg_ctgov_removed AS
SELECT
    s.nct_id,
    s.last_seen_run,
    s.last_seen_at,
    (SELECT min(f.run_id) FROM stg_ctgov_full_runs AS f WHERE f.run_id > s.last_seen_run) AS removed_in_run
FROM stg_ctgov_sightings AS s
WHERE s.last_seen_run < (SELECT max(run_id) FROM stg_ctgov_full_runs);

-- A temporary TABLE, not a view: every staging view below joins it, and a view would re-run the
-- window over all runs' rows once per table (a third of the build at 50,000 trials).
CREATE TEMP TABLE stg_ctgov_current_runs AS
SELECT nct_id, run_id
FROM src_ctgov_trials
WHERE nct_id NOT IN (SELECT nct_id FROM stg_ctgov_removed)
QUALIFY row_number() OVER (PARTITION BY nct_id ORDER BY fetched_at DESC, run_id DESC) = 1;

CREATE TEMP VIEW stg_ctgov_trials AS
SELECT
    t.nct_id,
    t.brief_title AS title,
    t.official_title,
    t.acronym,
    t.org_study_id,
    t.overall_status,
    t.status_group,
    t.why_stopped,
    t.study_type,
    t.phase,
    t.phases_raw AS phases,
    t.allocation,
    t.intervention_model,
    t.primary_purpose,
    t.masking,
    t.enrollment,
    t.enrollment_type,
    t.start_date_raw,
    t.start_date,
    t.start_date_precision,
    t.start_date_type,
    t.primary_completion_date_raw,
    t.primary_completion_date,
    t.primary_completion_date_precision,
    t.primary_completion_date_type,
    t.completion_date_raw,
    t.completion_date,
    t.completion_date_precision,
    t.completion_date_type,
    t.first_post_date,
    t.results_first_post_date,
    t.last_update_post_date,
    t.lead_sponsor,
    t.lead_sponsor_class,
    t.brief_summary,
    t.keywords,
    t.has_results,
    t.unknown_values,
    t.run_id,
    t.fetched_at,
    t.data_timestamp
FROM src_ctgov_trials AS t
JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id);

CREATE TEMP VIEW stg_ctgov_conditions AS
SELECT x.nct_id, x.condition_idx, x.condition
FROM src_ctgov_conditions AS x
JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id);

CREATE TEMP VIEW stg_ctgov_interventions AS
SELECT
    x.nct_id, x.intervention_idx, x.intervention_type, x.name, x.description, x.other_names,
    x.arm_group_labels
FROM src_ctgov_interventions AS x
JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id);

CREATE TEMP VIEW stg_ctgov_arms AS
SELECT x.nct_id, x.arm_idx, x.label, x.arm_type, x.description, x.intervention_names
FROM src_ctgov_arms AS x
JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id);

CREATE TEMP VIEW stg_ctgov_design_outcomes AS
SELECT x.nct_id, x.outcome_kind, x.outcome_idx, x.measure, x.description, x.time_frame
FROM src_ctgov_design_outcomes AS x
JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id);

CREATE TEMP VIEW stg_ctgov_result_outcomes AS
SELECT
    x.nct_id, x.outcome_idx, x.outcome_type, x.title, x.description, x.population_description,
    x.reporting_status, x.param_type, x.dispersion_type, x.unit_of_measure, x.time_frame
FROM src_ctgov_result_outcomes AS x
JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id);

CREATE TEMP VIEW stg_ctgov_result_groups AS
SELECT
    x.nct_id, x.outcome_idx, x.group_id, x.title, x.description, x.denom_units, x.denom_value_raw,
    x.denom_value
FROM src_ctgov_result_groups AS x
JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id);

CREATE TEMP VIEW stg_ctgov_result_measurements AS
SELECT
    x.nct_id, x.outcome_idx, x.group_id, x.class_title, x.category_title, x.value_raw, x.value,
    x.spread_raw, x.spread, x.lower_limit_raw, x.lower_limit, x.upper_limit_raw, x.upper_limit, x.comment
FROM src_ctgov_result_measurements AS x
JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id);

CREATE TEMP VIEW stg_ctgov_result_analyses AS
SELECT
    x.nct_id, x.outcome_idx, x.analysis_idx, x.group_ids, x.p_value_raw, x.p_value, x.p_value_comment,
    x.statistical_method, x.param_type, x.param_value_raw, x.param_value, x.ci_pct_value,
    x.ci_num_sides, x.ci_lower_limit_raw, x.ci_lower_limit, x.ci_upper_limit_raw, x.ci_upper_limit,
    x.non_inferiority_type, x.estimate_comment
FROM src_ctgov_result_analyses AS x
JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id);

CREATE TEMP VIEW stg_ctgov_references AS
SELECT x.nct_id, x.reference_idx, x.pmid, x.reference_type, x.citation
FROM src_ctgov_references AS x
JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id);

-- The classifier writes one partition per run; only the current run's matches count.
CREATE TEMP VIEW stg_ctgov_trial_classes AS
SELECT x.nct_id, x.treatment_class, x.matched_field, x.matched_term, x.matched_text
FROM src_ctgov_trial_classes AS x
JOIN stg_ctgov_current_runs AS c USING (nct_id, run_id);
