-- grain: trial x results outcome x statistical analysis
-- key: nct_id, outcome_idx, analysis_idx
-- incremental: patch by nct_id

CREATE TABLE trial_result_analyses AS
WITH analyses AS (
    SELECT x.* FROM stg_ctgov_result_analyses AS x JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
),
-- The outcomes' and groups' texts from their marts, which hold the same current rows already read and
-- joined: reading their Parquet again cost a third of this table's build.
outcomes AS (
    SELECT nct_id, outcome_idx, outcome_title AS title, outcome_type FROM trial_result_outcomes
),
result_groups AS (
    SELECT nct_id, outcome_idx, group_id, group_title AS title FROM trial_result_groups
),
-- One row per group an analysis compares, with its position; unnested in the select list rather than
-- by a lateral join (FROM analyses, unnest(...)), which DuckDB plans as a dependent join: a quarter of
-- this table's build time for the same rows.
analysis_groups AS (
    SELECT nct_id, outcome_idx, analysis_idx, unnest(group_ids) AS group_id,
           generate_subscripts(group_ids, 1) AS pos
    FROM analyses
),
group_titles AS (
    SELECT u.nct_id, u.outcome_idx, u.analysis_idx, list(coalesce(g.title, u.group_id) ORDER BY u.pos) AS titles
    FROM analysis_groups AS u
    LEFT JOIN result_groups AS g
        ON g.nct_id = u.nct_id AND g.outcome_idx = u.outcome_idx AND g.group_id = u.group_id
    GROUP BY u.nct_id, u.outcome_idx, u.analysis_idx
)
SELECT
    a.nct_id,
    a.outcome_idx,
    o.title AS outcome_title,
    o.outcome_type,
    a.analysis_idx,
    a.group_ids,
    gt.titles AS group_titles,
    a.group_description,
    a.p_value,
    a.p_value_raw,
    a.p_value_comment,
    a.statistical_method,
    a.statistical_comment,
    a.param_type AS estimate_type,
    a.param_value AS estimate,
    a.param_value_raw AS estimate_raw,
    a.dispersion_type AS estimate_dispersion_type,
    a.dispersion_value AS estimate_dispersion,
    a.dispersion_value_raw AS estimate_dispersion_raw,
    a.ci_pct_value,
    a.ci_num_sides,
    a.ci_lower_limit,
    a.ci_lower_limit_raw,
    a.ci_upper_limit,
    a.ci_upper_limit_raw,
    a.non_inferiority_type,
    a.estimate_comment
FROM analyses AS a
LEFT JOIN outcomes AS o
    ON o.nct_id = a.nct_id AND o.outcome_idx = a.outcome_idx
LEFT JOIN group_titles AS gt
    ON gt.nct_id = a.nct_id AND gt.outcome_idx = a.outcome_idx AND gt.analysis_idx = a.analysis_idx
ORDER BY a.nct_id, a.outcome_idx, a.analysis_idx;

COMMENT ON TABLE trial_result_analyses IS 'Statistical analyses posted for result outcomes: one row per outcome x analysis.';
COMMENT ON COLUMN trial_result_analyses.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_result_analyses.outcome_idx IS 'Outcome analysed (trial_results.outcome_idx).';
COMMENT ON COLUMN trial_result_analyses.outcome_title IS 'Outcome title in the results.';
COMMENT ON COLUMN trial_result_analyses.outcome_type IS 'PRIMARY, SECONDARY, OTHER_PRE_SPECIFIED or POST_HOC.';
COMMENT ON COLUMN trial_result_analyses.analysis_idx IS 'Position of the analysis within the outcome (0-based).';
COMMENT ON COLUMN trial_result_analyses.group_ids IS 'Result groups compared (trial_results.group_id), a list.';
COMMENT ON COLUMN trial_result_analyses.group_titles IS 'Titles of the groups compared, in group_ids order.';
COMMENT ON COLUMN trial_result_analyses.group_description IS 'The sponsor''s description of the comparison (which groups, how analysed); NULL when none posted.';
COMMENT ON COLUMN trial_result_analyses.p_value IS 'p-value as a number; for "<0.001" the bound 0.001 (see p_value_raw).';
COMMENT ON COLUMN trial_result_analyses.p_value_raw IS 'p-value exactly as posted, e.g. <0.001.';
COMMENT ON COLUMN trial_result_analyses.p_value_comment IS 'Comment on the p-value.';
COMMENT ON COLUMN trial_result_analyses.statistical_method IS 'Statistical test, e.g. ANCOVA, Cochran-Mantel-Haenszel.';
COMMENT ON COLUMN trial_result_analyses.statistical_comment IS 'Comment on the statistical method; NULL when none posted.';
COMMENT ON COLUMN trial_result_analyses.estimate_type IS 'What estimate is, e.g. Mean Difference (Final Values), Odds Ratio.';
COMMENT ON COLUMN trial_result_analyses.estimate IS 'Effect estimate as a number.';
COMMENT ON COLUMN trial_result_analyses.estimate_raw IS 'Effect estimate exactly as posted.';
COMMENT ON COLUMN trial_result_analyses.estimate_dispersion_type IS 'Spread posted for the estimate itself: STANDARD_ERROR_OF_MEAN (the standard error of the difference) or STANDARD_DEVIATION; NULL when none posted.';
COMMENT ON COLUMN trial_result_analyses.estimate_dispersion IS 'That spread as a number.';
COMMENT ON COLUMN trial_result_analyses.estimate_dispersion_raw IS 'That spread exactly as posted.';
COMMENT ON COLUMN trial_result_analyses.ci_pct_value IS 'Confidence level of the interval in percent, e.g. 95.';
COMMENT ON COLUMN trial_result_analyses.ci_num_sides IS 'ONE_SIDED or TWO_SIDED interval.';
COMMENT ON COLUMN trial_result_analyses.ci_lower_limit IS 'Lower confidence limit as a number.';
COMMENT ON COLUMN trial_result_analyses.ci_lower_limit_raw IS 'Lower confidence limit exactly as posted.';
COMMENT ON COLUMN trial_result_analyses.ci_upper_limit IS 'Upper confidence limit as a number.';
COMMENT ON COLUMN trial_result_analyses.ci_upper_limit_raw IS 'Upper confidence limit exactly as posted.';
COMMENT ON COLUMN trial_result_analyses.non_inferiority_type IS 'SUPERIORITY, NON_INFERIORITY, EQUIVALENCE, ...';
COMMENT ON COLUMN trial_result_analyses.estimate_comment IS 'Comment on the estimate (often which groups are compared).';
