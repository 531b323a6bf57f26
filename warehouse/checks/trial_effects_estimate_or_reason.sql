-- check: trial_effects rows give an estimate with its CI and SE or say why not, never both

SELECT nct_id || ' outcome ' || outcome_idx || ' group ' || coalesce(active_group_id, '-')
FROM trial_effects
WHERE (estimate IS NULL) = (not_computed_reason IS NULL)
    OR (estimate IS NOT NULL AND (
        ci_lower IS NULL OR ci_upper IS NULL OR analysis_se IS NULL OR NOT analysis_se > 0
        OR NOT ci_lower <= estimate OR NOT estimate <= ci_upper OR source IS NULL))
    OR (selected_for_pooling AND estimate IS NULL);
