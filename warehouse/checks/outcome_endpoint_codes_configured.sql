-- check: outcome tables name only configured endpoints

SELECT 'trial_endpoints: ' || endpoint_code FROM trial_endpoints
WHERE endpoint_code NOT IN (SELECT endpoint_code FROM endpoints)
UNION
SELECT 'trial_effects: ' || endpoint_code FROM trial_effects
WHERE endpoint_code NOT IN (SELECT endpoint_code FROM endpoints WHERE effect_measure IS NOT NULL)
UNION
SELECT 'trial_effects: ' || nct_id || ' outcome ' || outcome_idx || ' is ' || endpoint_code
    || ' in trial_effects but not in trial_endpoints'
FROM trial_effects AS x
WHERE NOT EXISTS (
    SELECT 1 FROM trial_endpoints AS e
    WHERE e.nct_id = x.nct_id AND e.outcome_source = 'results' AND e.outcome_idx = x.outcome_idx
        AND e.endpoint_code = x.endpoint_code
);
