-- The evidence tables analysts start from: one row per class x trial, and counts per class x phase x
-- status. Result summaries quote the registry's own strings (value_raw, p_value_raw) so no precision is
-- invented or lost.

-- "Mean" / "Least squares mean" from MEAN / LEAST_SQUARES_MEAN (or an already readable value).
CREATE TEMP MACRO readable_enum(x) AS
    CASE WHEN x IS NULL OR trim(x) = '' THEN NULL
         ELSE upper(left(trim(x), 1)) || lower(replace(substr(trim(x), 2), '_', ' ')) END;

-- Short dispersion labels for both the API enum (STANDARD_DEVIATION, CONFIDENCE_95) and its display
-- form (Standard Deviation, 95% Confidence Interval).
CREATE TEMP MACRO dispersion_label(x) AS
    CASE
        WHEN x IS NULL OR trim(x) = '' OR upper(trim(x)) = 'NA' THEN NULL
        WHEN upper(regexp_replace(trim(x), '[ -]+', '_', 'g')) = 'STANDARD_DEVIATION' THEN 'SD'
        WHEN upper(regexp_replace(trim(x), '[ -]+', '_', 'g')) = 'STANDARD_ERROR' THEN 'SE'
        WHEN upper(regexp_replace(trim(x), '[ -]+', '_', 'g')) = 'FULL_RANGE' THEN 'range'
        WHEN upper(regexp_replace(trim(x), '[ -]+', '_', 'g')) IN ('INTER_QUARTILE_RANGE', 'INTERQUARTILE_RANGE')
            THEN 'IQR'
        WHEN upper(x) LIKE '%CONFIDENCE%' AND regexp_extract(x, '[0-9]+(\.[0-9]+)?') <> ''
            THEN regexp_extract(x, '[0-9]+(\.[0-9]+)?') || '% CI'
        WHEN upper(x) LIKE '%CONFIDENCE%' THEN 'CI'
        WHEN upper(x) LIKE 'GEOMETRIC_COEFFICIENT%' OR upper(x) LIKE 'GEOMETRIC COEFFICIENT%'
            THEN 'geometric CV'
        ELSE lower(replace(trim(x), '_', ' '))
    END;

-- 300.0 -> '300', 12.5 -> '12.5'
CREATE TEMP MACRO plain_number(x) AS
    CASE WHEN x IS NULL THEN NULL
         WHEN x = trunc(x) AND abs(x) < 1e15 THEN CAST(CAST(x AS BIGINT) AS VARCHAR)
         ELSE CAST(x AS VARCHAR) END;

-- "p<0.001" / "p=0.03" from the registry's p-value string.
CREATE TEMP MACRO p_value_text(raw, num) AS
    CASE
        WHEN raw IS NOT NULL AND regexp_matches(trim(raw), '^[<>=≤≥]') THEN 'p' || replace(trim(raw), ' ', '')
        WHEN raw IS NOT NULL AND trim(raw) <> '' THEN 'p=' || trim(raw)
        WHEN num IS NOT NULL THEN 'p=' || CAST(num AS VARCHAR)
    END;

-- One text per primary outcome with posted measurements:
--   BMI (Mean, Kg/m^2): 1 Placebo 19.63 (range 15.56 to 22.64) n=4; 2. Repaglinide 21.19 (...) n=4 [p=0.04 (ANCOVA)]
CREATE TEMP VIEW stg_primary_outcome_texts AS
WITH group_texts AS (
    SELECT
        r.nct_id,
        r.outcome_idx,
        string_agg(
            concat_ws(' ',
                coalesce(r.group_title, r.group_id),
                CASE WHEN coalesce(r.class_title, r.category_title) IS NOT NULL
                     THEN '[' || concat_ws(' / ', r.class_title, r.category_title) || ']' END,
                coalesce(r.value_raw, plain_number(r.value), 'NA'),
                CASE
                    WHEN coalesce(r.spread_raw, plain_number(r.spread)) IS NOT NULL
                        THEN '(' || concat_ws(' ', dispersion_label(r.dispersion_type),
                                              coalesce(r.spread_raw, plain_number(r.spread))) || ')'
                    WHEN coalesce(r.lower_limit_raw, r.upper_limit_raw) IS NOT NULL
                        THEN '(' || concat_ws(' ', dispersion_label(r.dispersion_type),
                                              coalesce(r.lower_limit_raw, '?') || ' to '
                                              || coalesce(r.upper_limit_raw, '?')) || ')'
                END,
                CASE WHEN r.group_n IS NOT NULL THEN 'n=' || plain_number(r.group_n) END
            ),
            '; ' ORDER BY r.group_id, r.class_title, r.category_title
        ) AS groups_text
    FROM trial_results AS r
    WHERE upper(r.outcome_type) = 'PRIMARY' AND r.group_id IS NOT NULL
    GROUP BY r.nct_id, r.outcome_idx
),
first_analysis AS (
    SELECT nct_id, outcome_idx,
           concat_ws(' ', p_value_text(p_value_raw, p_value), '(' || statistical_method || ')') AS analysis_text
    FROM trial_result_analyses
    QUALIFY row_number() OVER (PARTITION BY nct_id, outcome_idx ORDER BY analysis_idx) = 1
),
outcomes AS (
    SELECT DISTINCT nct_id, outcome_idx, outcome_title, param_type, unit_of_measure
    FROM trial_results
    WHERE upper(outcome_type) = 'PRIMARY'
)
SELECT
    o.nct_id,
    o.outcome_idx,
    coalesce(o.outcome_title, 'Primary outcome')
        || coalesce(' (' || nullif(concat_ws(', ', readable_enum(o.param_type), o.unit_of_measure), '') || ')', '')
        || ': ' || g.groups_text
        || coalesce(' [' || nullif(a.analysis_text, '') || ']', '') AS outcome_text
FROM outcomes AS o
JOIN group_texts AS g USING (nct_id, outcome_idx)
LEFT JOIN first_analysis AS a USING (nct_id, outcome_idx);

-- Publication evidence per trial. results_route says where a trial's results can be read:
-- 'registry' = posted on ClinicalTrials.gov only (has_results), 'publication' = only a linked results
-- publication (trial_publications.is_results_link: a pubmed_databank or pubmed_text link, or a
-- ctgov_reference of type RESULT or DERIVED), 'both', or 'none'. linked_pmids lists the publications
-- linked by any route, results or not. Without PubMed data every trial is 'registry' or 'none'.
CREATE TEMP VIEW stg_trial_publication_evidence AS
SELECT
    nct_id,
    list(pmid ORDER BY length(pmid), pmid) AS linked_pmids,
    bool_or(has_results_link) AS has_results_publication
FROM (
    SELECT nct_id, pmid, bool_or(is_results_link) AS has_results_link
    FROM trial_publications
    GROUP BY nct_id, pmid
)
GROUP BY nct_id;

CREATE TABLE evidence_trials AS
WITH primary_measures AS (
    SELECT nct_id, list(measure ORDER BY outcome_idx) AS measures
    FROM trial_outcomes
    WHERE outcome_kind = 'primary' AND measure IS NOT NULL
    GROUP BY nct_id
),
result_summaries AS (
    SELECT nct_id, string_agg(outcome_text, ' | ' ORDER BY outcome_idx) AS summary
    FROM stg_primary_outcome_texts
    GROUP BY nct_id
)
SELECT
    m.treatment_class,
    tc.label AS class_label,
    t.nct_id,
    t.title,
    t.phase,
    t.overall_status,
    t.status_group,
    t.start_date,
    t.primary_completion_date,
    t.completion_date,
    t.enrollment,
    coalesce(pm.measures, []::VARCHAR[]) AS primary_outcome_measures,
    t.has_results,
    rs.summary AS primary_result_summary,
    CASE
        WHEN t.has_results AND coalesce(pe.has_results_publication, false) THEN 'both'
        WHEN t.has_results THEN 'registry'
        WHEN coalesce(pe.has_results_publication, false) THEN 'publication'
        ELSE 'none'
    END AS results_route,
    coalesce(pe.linked_pmids, []::VARCHAR[]) AS linked_pmids,
    t.last_update_post_date,
    t.url
FROM stg_class_membership AS m
JOIN treatment_classes AS tc USING (treatment_class)
JOIN trials AS t USING (nct_id)
LEFT JOIN primary_measures AS pm USING (nct_id)
LEFT JOIN result_summaries AS rs USING (nct_id)
LEFT JOIN stg_trial_publication_evidence AS pe USING (nct_id)
ORDER BY tc.sort_order, t.nct_id;

-- Counts per class x phase x status. A configured class with no trials gets one row with NULL phase and
-- status and zero counts: "no registered trials" is an answer, not a gap.
-- n_trials_with_published_results: trials of the group with at least one linked results publication
-- (results_route 'publication' or 'both'); it sums over a class's rows like n_trials.
-- n_publications / n_rct_publications: publications of the class (subclasses included, as for trials),
-- all of them / those flagged is_rct_report. Publications have no phase or status, so these are class
-- totals repeated on every row of the class: take them from one row, never sum them.
CREATE TEMP VIEW stg_class_publication_counts AS
SELECT
    m.treatment_class,
    count(*) AS n_publications,
    count(*) FILTER (WHERE p.is_rct_report) AS n_rct_publications
FROM stg_publication_class_membership AS m
JOIN publications AS p USING (pmid)
GROUP BY m.treatment_class;

CREATE TABLE evidence AS
WITH grouped AS (
    SELECT
        treatment_class,
        phase,
        overall_status,
        status_group,
        count(*) AS n_trials,
        count(*) FILTER (WHERE has_results) AS n_with_results,
        count(*) FILTER (WHERE results_route IN ('publication', 'both')) AS n_trials_with_published_results,
        CAST(sum(enrollment) AS BIGINT) AS total_enrollment,
        max(last_update_post_date) AS latest_update
    FROM evidence_trials
    GROUP BY treatment_class, phase, overall_status, status_group
),
measure_counts AS (
    SELECT e.treatment_class, e.phase, e.overall_status, e.status_group, u.measure,
           count(DISTINCT e.nct_id) AS n
    FROM evidence_trials AS e, unnest(e.primary_outcome_measures) AS u(measure)
    GROUP BY ALL
),
measures AS (
    SELECT treatment_class, phase, overall_status, status_group,
           list(measure ORDER BY n DESC, measure) AS primary_outcome_measures
    FROM measure_counts
    GROUP BY ALL
)
SELECT
    e.*,
    coalesce(pc.n_publications, 0)::BIGINT AS n_publications,
    coalesce(pc.n_rct_publications, 0)::BIGINT AS n_rct_publications
FROM (
SELECT
    g.treatment_class,
    tc.label AS class_label,
    g.phase,
    g.overall_status,
    g.status_group,
    g.n_trials,
    g.n_with_results,
    g.n_trials_with_published_results,
    g.total_enrollment,
    g.latest_update,
    coalesce(m.primary_outcome_measures, []::VARCHAR[]) AS primary_outcome_measures
FROM grouped AS g
JOIN treatment_classes AS tc USING (treatment_class)
LEFT JOIN measures AS m
    ON m.treatment_class = g.treatment_class
    AND m.phase IS NOT DISTINCT FROM g.phase
    AND m.overall_status IS NOT DISTINCT FROM g.overall_status
    AND m.status_group IS NOT DISTINCT FROM g.status_group
UNION ALL
SELECT
    tc.treatment_class, tc.label, NULL, NULL, NULL, 0::BIGINT, 0::BIGINT, 0::BIGINT, 0::BIGINT, NULL,
    []::VARCHAR[]
FROM treatment_classes AS tc
WHERE NOT EXISTS (SELECT 1 FROM evidence_trials AS e WHERE e.treatment_class = tc.treatment_class)
) AS e
LEFT JOIN stg_class_publication_counts AS pc USING (treatment_class)
ORDER BY treatment_class, phase NULLS FIRST, overall_status NULLS FIRST;
