-- grain: treatment class x phase x overall status (x status group), plus the class's publication counts
-- key: treatment_class, phase, overall_status, status_group
-- incremental: rebuild (over every trial and publication, after the splice)
-- not null: treatment_class, class_label, n_trials
-- allowed: phase in phases or null
--
-- A configured class with no trials gets one row with NULL phase and status and zero counts: "no
-- registered trials" is an answer, not a gap.
-- n_trials_with_published_results: trials of the group with at least one linked results publication
-- (results_route 'publication' or 'both'); it sums over a class's rows like n_trials.
-- n_publications / n_rct_publications: publications of the class (subclasses included, as for trials),
-- all of them / those flagged is_rct_report. Publications have no phase or status, so these are class
-- totals repeated on every row of the class: take them from one row, never sum them.
-- primary_endpoints: canonical endpoints of the group's trials' primary outcomes, most frequent first;
-- n_trials_with_primary_effect: trials with at least one effect against control on a primary outcome.

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
        count(*) FILTER (WHERE n_primary_effects > 0) AS n_trials_with_primary_effect,
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
),
endpoint_counts AS (
    SELECT e.treatment_class, e.phase, e.overall_status, e.status_group, u.endpoint_code,
           count(DISTINCT e.nct_id) AS n
    FROM evidence_trials AS e, unnest(e.primary_endpoints) AS u(endpoint_code)
    GROUP BY ALL
),
primary_endpoint_lists AS (
    SELECT treatment_class, phase, overall_status, status_group,
           list(endpoint_code ORDER BY n DESC, endpoint_code) AS primary_endpoints
    FROM endpoint_counts
    GROUP BY ALL
),
class_publication_counts AS (
    SELECT
        m.treatment_class,
        count(*) AS n_publications,
        count(*) FILTER (WHERE p.is_rct_report) AS n_rct_publications
    FROM int_publication_class_membership AS m
    JOIN publications AS p USING (pmid)
    GROUP BY m.treatment_class
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
    g.n_trials_with_primary_effect,
    g.total_enrollment,
    g.latest_update,
    coalesce(m.primary_outcome_measures, []::VARCHAR[]) AS primary_outcome_measures,
    coalesce(pe.primary_endpoints, []::VARCHAR[]) AS primary_endpoints
FROM grouped AS g
JOIN treatment_classes AS tc USING (treatment_class)
LEFT JOIN measures AS m
    ON m.treatment_class = g.treatment_class
    AND m.phase IS NOT DISTINCT FROM g.phase
    AND m.overall_status IS NOT DISTINCT FROM g.overall_status
    AND m.status_group IS NOT DISTINCT FROM g.status_group
LEFT JOIN primary_endpoint_lists AS pe
    ON pe.treatment_class = g.treatment_class
    AND pe.phase IS NOT DISTINCT FROM g.phase
    AND pe.overall_status IS NOT DISTINCT FROM g.overall_status
    AND pe.status_group IS NOT DISTINCT FROM g.status_group
UNION ALL
SELECT
    tc.treatment_class, tc.label, NULL, NULL, NULL, 0::BIGINT, 0::BIGINT, 0::BIGINT, 0::BIGINT, 0::BIGINT,
    NULL, []::VARCHAR[], []::VARCHAR[]
FROM treatment_classes AS tc
WHERE NOT EXISTS (SELECT 1 FROM evidence_trials AS e WHERE e.treatment_class = tc.treatment_class)
) AS e
LEFT JOIN class_publication_counts AS pc USING (treatment_class)
ORDER BY treatment_class, phase NULLS FIRST, overall_status NULLS FIRST;

COMMENT ON TABLE evidence IS 'Trial counts per treatment class x phase x status, plus the class''s publication counts; a class with no trials has one row with NULL phase/status and zero trial counts.';
COMMENT ON COLUMN evidence.treatment_class IS 'Class (treatment_classes.treatment_class).';
COMMENT ON COLUMN evidence.class_label IS 'Human-readable class name.';
COMMENT ON COLUMN evidence.phase IS 'Phase; NULL for trials with no registered phase, or on the zero row.';
COMMENT ON COLUMN evidence.overall_status IS 'Registry recruitment status; NULL only on the zero row.';
COMMENT ON COLUMN evidence.status_group IS 'ongoing, completed, ended_early or other; NULL only on the zero row.';
COMMENT ON COLUMN evidence.n_trials IS 'Number of trials.';
COMMENT ON COLUMN evidence.n_with_results IS 'Number of those trials with posted results.';
COMMENT ON COLUMN evidence.n_trials_with_published_results IS 'Number of those trials with at least one linked results publication (evidence_trials.results_route publication or both).';
COMMENT ON COLUMN evidence.n_trials_with_primary_effect IS 'Number of those trials with at least one effect against control on a primary outcome (evidence_trials.n_primary_effects > 0).';
COMMENT ON COLUMN evidence.total_enrollment IS 'Sum of registered enrollment (trials without one are skipped); NULL if none registered one.';
COMMENT ON COLUMN evidence.latest_update IS 'Most recent last_update_post_date of those trials.';
COMMENT ON COLUMN evidence.primary_outcome_measures IS 'Distinct primary outcome measures of those trials, most frequent first.';
COMMENT ON COLUMN evidence.primary_endpoints IS 'Canonical endpoints (endpoints.endpoint_code) of those trials'' primary outcomes, most frequent first.';
COMMENT ON COLUMN evidence.n_publications IS 'Publications of the class (subclasses included): a class total, the same on every row of the class; do not sum across rows.';
COMMENT ON COLUMN evidence.n_rct_publications IS 'Those publications flagged is_rct_report (trial reports): a class total, the same on every row of the class; do not sum across rows.';
