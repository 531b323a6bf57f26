-- The evidence tables analysts start from: one row per class x trial, and counts per class x phase x
-- status. Whole-warehouse tables (files 30-99): every build recomputes them from the per-record tables.

CREATE OR REPLACE TABLE evidence_trials AS
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
    s.primary_outcome_measures,
    t.has_results,
    s.primary_result_summary,
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
JOIN trial_summaries AS s USING (nct_id)
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

CREATE OR REPLACE TABLE evidence AS
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
