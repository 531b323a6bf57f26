-- grain: trial: its primary outcome measures and a readable summary of its posted primary results
-- key: nct_id
-- incremental: patch by nct_id
--
-- The per-trial texts the evidence tables quote. Result summaries quote the registry's own strings
-- (value_raw, p_value_raw) so no precision is invented or lost.

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

CREATE TABLE trial_summaries AS
-- One text per primary outcome with posted measurements:
--   BMI (Mean, Kg/m^2): 1 Placebo 19.63 (range 15.56 to 22.64) n=4; 2. Repaglinide 21.19 (...) n=4 [p=0.04 (ANCOVA)]
-- Each dispersion type's label once, not once per measurement: its regular expressions were a fifth of
-- this table's build, over a handful of distinct types.
WITH dispersion_labels AS (
    SELECT dispersion_type, dispersion_label(dispersion_type) AS dispersion
    FROM (SELECT DISTINCT dispersion_type FROM trial_result_outcomes WHERE dispersion_type IS NOT NULL)
),
primary_dispersions AS (
    SELECT o.nct_id, o.outcome_idx, l.dispersion
    FROM trial_result_outcomes AS o
    LEFT JOIN dispersion_labels AS l USING (dispersion_type)
    WHERE upper(o.outcome_type) = 'PRIMARY'
),
group_texts AS (
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
                        THEN '(' || concat_ws(' ', r.dispersion,
                                              coalesce(r.spread_raw, plain_number(r.spread))) || ')'
                    WHEN coalesce(r.lower_limit_raw, r.upper_limit_raw) IS NOT NULL
                        THEN '(' || concat_ws(' ', r.dispersion,
                                              coalesce(r.lower_limit_raw, '?') || ' to '
                                              || coalesce(r.upper_limit_raw, '?')) || ')'
                END,
                CASE WHEN r.group_n IS NOT NULL THEN 'n=' || plain_number(r.group_n) END
            ),
            '; ' ORDER BY r.group_id, r.class_title, r.category_title
        ) AS groups_text
    FROM (  -- the rows of trial_results (a view, only made after this table) for primary outcomes
        SELECT
            o.nct_id, o.outcome_idx, o.dispersion, m.group_id, m.class_title, m.category_title,
            m.value_raw, m.value, m.spread_raw, m.spread, m.lower_limit_raw, m.upper_limit_raw,
            g.group_title, g.group_n
        FROM primary_dispersions AS o
        JOIN trial_result_measurements AS m USING (nct_id, outcome_idx)
        LEFT JOIN trial_result_groups AS g USING (nct_id, outcome_idx, group_id)
    ) AS r
    GROUP BY r.nct_id, r.outcome_idx
),
first_analysis AS (
    SELECT nct_id, outcome_idx,
           concat_ws(' ', p_value_text(p_value_raw, p_value), '(' || statistical_method || ')') AS analysis_text
    FROM trial_result_analyses
    QUALIFY row_number() OVER (PARTITION BY nct_id, outcome_idx ORDER BY analysis_idx) = 1
),
primary_outcomes AS (
    SELECT nct_id, outcome_idx, outcome_title, param_type, unit_of_measure
    FROM trial_result_outcomes
    WHERE upper(outcome_type) = 'PRIMARY'
),
outcome_texts AS (
    SELECT
        o.nct_id,
        o.outcome_idx,
        coalesce(o.outcome_title, 'Primary outcome')
            || coalesce(' (' || nullif(concat_ws(', ', readable_enum(o.param_type), o.unit_of_measure), '') || ')', '')
            || ': ' || g.groups_text
            || coalesce(' [' || nullif(a.analysis_text, '') || ']', '') AS outcome_text
    FROM primary_outcomes AS o
    JOIN group_texts AS g USING (nct_id, outcome_idx)
    LEFT JOIN first_analysis AS a USING (nct_id, outcome_idx)
),
primary_measures AS (
    SELECT nct_id, list(measure ORDER BY outcome_idx) AS measures
    FROM trial_outcomes
    WHERE outcome_kind = 'primary' AND measure IS NOT NULL
    GROUP BY nct_id
),
result_summaries AS (
    SELECT nct_id, string_agg(outcome_text, ' | ' ORDER BY outcome_idx) AS summary
    FROM outcome_texts
    GROUP BY nct_id
)
SELECT
    t.nct_id,
    coalesce(pm.measures, []::VARCHAR[]) AS primary_outcome_measures,
    rs.summary AS primary_result_summary
FROM trials AS t
LEFT JOIN primary_measures AS pm USING (nct_id)
LEFT JOIN result_summaries AS rs USING (nct_id)
ORDER BY t.nct_id;

COMMENT ON TABLE trial_summaries IS 'One row per trial: its primary outcome measures and a readable summary of its posted primary results (quoted in evidence_trials).';
COMMENT ON COLUMN trial_summaries.nct_id IS 'ClinicalTrials.gov identifier.';
COMMENT ON COLUMN trial_summaries.primary_outcome_measures IS 'Primary outcome measures registered in the design, in registry order.';
COMMENT ON COLUMN trial_summaries.primary_result_summary IS 'Posted primary outcome results as text (see evidence_trials.primary_result_summary); NULL when none posted.';
