-- check: class_effects agree with class_effect_members and trial_effects

WITH members AS (
    SELECT
        treatment_class, endpoint_code, population, count(*) AS n_comparisons,
        count(DISTINCT nct_id) AS n_trials, list(DISTINCT nct_id ORDER BY nct_id) AS nct_ids,
        sum(weight_random) AS weight_random, sum(weight_fixed) AS weight_fixed
    FROM class_effect_members
    GROUP BY ALL
)
SELECT concat_ws(' / ', p.treatment_class, p.endpoint_code, p.population)
FROM class_effects AS p
LEFT JOIN members AS m USING (treatment_class, endpoint_code, population)
WHERE m.n_comparisons IS DISTINCT FROM p.n_comparisons
    OR m.n_trials IS DISTINCT FROM p.n_trials
    OR m.nct_ids IS DISTINCT FROM p.nct_ids
    OR abs(m.weight_random - 100) > 1e-6
    OR abs(m.weight_fixed - 100) > 1e-6
    OR NOT (p.ci_lower <= p.estimate AND p.estimate <= p.ci_upper)
UNION
SELECT concat_ws(' / ', m.nct_id, m.outcome_idx, m.active_group_id) || ' pooled but not selected in trial_effects'
FROM class_effect_members AS m
WHERE NOT EXISTS (
    SELECT 1 FROM trial_effects AS x
    WHERE x.nct_id = m.nct_id AND x.outcome_idx = m.outcome_idx AND x.active_group_id = m.active_group_id
        AND x.selected_for_pooling
);
