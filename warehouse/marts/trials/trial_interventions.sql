-- grain: trial x intervention, in registry order
-- key: nct_id, intervention_idx
-- incremental: patch by nct_id

CREATE TABLE trial_interventions AS
SELECT x.nct_id, x.intervention_idx, x.intervention_type, x.name, x.description, x.other_names, x.arm_group_labels
FROM stg_ctgov_interventions AS x
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
ORDER BY x.nct_id, x.intervention_idx;

COMMENT ON TABLE trial_interventions IS 'Interventions, one row per trial x intervention, in registry order.';
COMMENT ON COLUMN trial_interventions.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_interventions.intervention_idx IS 'Position in the registry list (0-based).';
COMMENT ON COLUMN trial_interventions.intervention_type IS 'DRUG, BIOLOGICAL, DEVICE, BEHAVIORAL, ...';
COMMENT ON COLUMN trial_interventions.name IS 'Intervention name as registered.';
COMMENT ON COLUMN trial_interventions.description IS 'Intervention description.';
COMMENT ON COLUMN trial_interventions.other_names IS 'Other names (brand names, codes), a list.';
COMMENT ON COLUMN trial_interventions.arm_group_labels IS 'Labels of the arms that receive it (trial_arms.label), a list.';
