-- Analyst-facing trial tables: materialised copies of the current version of every trial, so queries
-- never depend on Parquet files. One table per registry section; keys are (nct_id, *_idx).

CREATE TABLE trials AS
SELECT
    *  EXCLUDE (run_id, fetched_at, data_timestamp),
    'https://clinicaltrials.gov/study/' || nct_id AS url,
    run_id,
    fetched_at,
    data_timestamp
FROM stg_ctgov_trials
ORDER BY nct_id;

CREATE TABLE trial_conditions AS
SELECT nct_id, condition_idx, condition
FROM stg_ctgov_conditions
ORDER BY nct_id, condition_idx;

CREATE TABLE trial_interventions AS
SELECT nct_id, intervention_idx, intervention_type, name, description, other_names, arm_group_labels
FROM stg_ctgov_interventions
ORDER BY nct_id, intervention_idx;

CREATE TABLE trial_arms AS
SELECT nct_id, arm_idx, label, arm_type, description, intervention_names
FROM stg_ctgov_arms
ORDER BY nct_id, arm_idx;

CREATE TABLE trial_outcomes AS
SELECT nct_id, outcome_kind, outcome_idx, measure, description, time_frame
FROM stg_ctgov_design_outcomes
ORDER BY nct_id, CASE outcome_kind WHEN 'primary' THEN 1 WHEN 'secondary' THEN 2 ELSE 3 END, outcome_idx;

-- Posted results, one row per outcome x group x class/category measurement. An outcome with no
-- measurements (e.g. not posted yet) keeps one row with NULL group, so every posted outcome is listed.
CREATE TABLE trial_results AS
SELECT
    o.nct_id,
    o.outcome_idx,
    o.outcome_type,
    o.title AS outcome_title,
    o.description AS outcome_description,
    o.population_description,
    o.reporting_status,
    o.time_frame,
    o.param_type,
    o.dispersion_type,
    o.unit_of_measure,
    m.group_id,
    g.title AS group_title,
    g.description AS group_description,
    g.denom_units AS group_n_units,
    g.denom_value AS group_n,
    m.class_title,
    m.category_title,
    m.value,
    m.value_raw,
    m.spread,
    m.spread_raw,
    m.lower_limit,
    m.lower_limit_raw,
    m.upper_limit,
    m.upper_limit_raw,
    m.comment AS measurement_comment
FROM stg_ctgov_result_outcomes AS o
LEFT JOIN stg_ctgov_result_measurements AS m
    ON m.nct_id = o.nct_id AND m.outcome_idx = o.outcome_idx
LEFT JOIN stg_ctgov_result_groups AS g
    ON g.nct_id = m.nct_id AND g.outcome_idx = m.outcome_idx AND g.group_id = m.group_id
ORDER BY o.nct_id, o.outcome_idx, m.group_id, m.class_title, m.category_title;

CREATE TABLE trial_result_analyses AS
WITH group_titles AS (
    SELECT a.nct_id, a.outcome_idx, a.analysis_idx, list(coalesce(g.title, u.group_id) ORDER BY u.pos) AS titles
    FROM stg_ctgov_result_analyses AS a,
        unnest(a.group_ids) WITH ORDINALITY AS u(group_id, pos)
    LEFT JOIN stg_ctgov_result_groups AS g
        ON g.nct_id = a.nct_id AND g.outcome_idx = a.outcome_idx AND g.group_id = u.group_id
    GROUP BY a.nct_id, a.outcome_idx, a.analysis_idx
)
SELECT
    a.nct_id,
    a.outcome_idx,
    o.title AS outcome_title,
    o.outcome_type,
    a.analysis_idx,
    a.group_ids,
    gt.titles AS group_titles,
    a.p_value,
    a.p_value_raw,
    a.p_value_comment,
    a.statistical_method,
    a.param_type AS estimate_type,
    a.param_value AS estimate,
    a.param_value_raw AS estimate_raw,
    a.ci_pct_value,
    a.ci_num_sides,
    a.ci_lower_limit,
    a.ci_lower_limit_raw,
    a.ci_upper_limit,
    a.ci_upper_limit_raw,
    a.non_inferiority_type,
    a.estimate_comment
FROM stg_ctgov_result_analyses AS a
LEFT JOIN stg_ctgov_result_outcomes AS o
    ON o.nct_id = a.nct_id AND o.outcome_idx = a.outcome_idx
LEFT JOIN group_titles AS gt
    ON gt.nct_id = a.nct_id AND gt.outcome_idx = a.outcome_idx AND gt.analysis_idx = a.analysis_idx
ORDER BY a.nct_id, a.outcome_idx, a.analysis_idx;

CREATE TABLE trial_references AS
SELECT nct_id, reference_idx, pmid, reference_type, citation
FROM stg_ctgov_references
ORDER BY nct_id, reference_idx;
