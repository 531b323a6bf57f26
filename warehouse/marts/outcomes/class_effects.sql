-- grain: treatment class x endpoint x population where at least one trial has an effect
-- key: treatment_class, endpoint_code, population
-- incremental: rebuild (pooled in Python from every trial effect after the splice, every build)
-- not null: class_label, endpoint_label, effect_measure, n_trials, n_comparisons, nct_ids, method
-- not null: estimate, ci_lower, ci_upper, analysis_estimate, analysis_se
-- not null: fixed_estimate, fixed_ci_lower, fixed_ci_upper
-- allowed: population in (episodic, chronic, mixed, not_stated)
-- allowed: effect_measure in (mean_difference, risk_ratio)
--
-- pipeline/outcomes/warehouse_step.py pools trial_effects rows selected_for_pooling per class (a
-- trial of a subclass also counts for its ancestors, as in the evidence tables) with statsmodels'
-- combine_effects: Paule-Mandel tau², Hartung-Knapp 95% CI, the fixed effect beside it.

CREATE OR REPLACE TABLE class_effects AS
SELECT
    p.treatment_class, tc.label AS class_label, p.endpoint_code, e.label AS endpoint_label, p.population,
    p.effect_measure, p.n_trials, p.n_comparisons, p.n_participants, p.nct_ids, p.method, p.estimate,
    p.ci_lower, p.ci_upper, p.analysis_estimate, p.analysis_se, p.tau2, p.i2, p.q, p.q_pvalue,
    p.prediction_lower, p.prediction_upper, p.fixed_estimate, p.fixed_ci_lower, p.fixed_ci_upper, p.note
FROM stg_outcomes_class_effects AS p
JOIN treatment_classes AS tc USING (treatment_class)
JOIN endpoints AS e USING (endpoint_code)
ORDER BY tc.sort_order, e.position, p.population;

COMMENT ON TABLE class_effects IS 'Trial effects pooled per treatment class x endpoint x population by a random-effects model (Paule-Mandel tau², Hartung-Knapp 95% CI), with the fixed effect beside it; one row where at least one trial has an effect. The comparisons and their weights are in class_effect_members.';
COMMENT ON COLUMN class_effects.treatment_class IS 'Class (treatment_classes.treatment_class); a trial of a subclass counts for every ancestor class too.';
COMMENT ON COLUMN class_effects.class_label IS 'Human-readable class name.';
COMMENT ON COLUMN class_effects.endpoint_code IS 'Endpoint (endpoints.endpoint_code).';
COMMENT ON COLUMN class_effects.endpoint_label IS 'Human-readable endpoint name.';
COMMENT ON COLUMN class_effects.population IS 'episodic, chronic or mixed migraine as the outcomes or trials state it; not_stated when they do not (pooled apart, never guessed).';
COMMENT ON COLUMN class_effects.effect_measure IS 'mean_difference (active minus control) or risk_ratio (active over control).';
COMMENT ON COLUMN class_effects.n_trials IS 'Trials pooled.';
COMMENT ON COLUMN class_effects.n_comparisons IS 'Comparisons pooled (a multi-dose trial gives one per dose against its shared control).';
COMMENT ON COLUMN class_effects.n_participants IS 'Participants in the pooled groups, a shared control counted once; groups whose size was not posted are left out (see note).';
COMMENT ON COLUMN class_effects.nct_ids IS 'The trials pooled, a list.';
COMMENT ON COLUMN class_effects.method IS 'How the estimate was made: the random-effects model, or for a single trial its own estimate (its doses combined by fixed effect).';
COMMENT ON COLUMN class_effects.estimate IS 'Pooled random-effects estimate on the natural scale (days, points, or the ratio).';
COMMENT ON COLUMN class_effects.ci_lower IS 'Lower limit of its 95% CI (Hartung-Knapp: t with k-1 degrees of freedom), natural scale.';
COMMENT ON COLUMN class_effects.ci_upper IS 'Upper limit of its 95% CI, natural scale.';
COMMENT ON COLUMN class_effects.analysis_estimate IS 'The pooled estimate on the analysis scale (mean difference, or log risk ratio).';
COMMENT ON COLUMN class_effects.analysis_se IS 'Its Hartung-Knapp standard error on that scale.';
COMMENT ON COLUMN class_effects.tau2 IS 'Between-comparison variance tau² (Paule-Mandel), analysis scale; NULL for one trial.';
COMMENT ON COLUMN class_effects.i2 IS 'I² in percent: max(0, (Q - df) / Q), the share of variation beyond chance; NULL for one trial.';
COMMENT ON COLUMN class_effects.q IS 'Cochran''s Q heterogeneity statistic; NULL for one trial.';
COMMENT ON COLUMN class_effects.q_pvalue IS 'p-value of the Q test of homogeneity; NULL for one trial.';
COMMENT ON COLUMN class_effects.prediction_lower IS 'Lower limit of the 95% prediction interval for a new trial''s effect (from three comparisons on), natural scale.';
COMMENT ON COLUMN class_effects.prediction_upper IS 'Upper limit of the 95% prediction interval, natural scale.';
COMMENT ON COLUMN class_effects.fixed_estimate IS 'Inverse-variance fixed-effect estimate, natural scale: a sensitivity check beside the random-effects one.';
COMMENT ON COLUMN class_effects.fixed_ci_lower IS 'Lower limit of its 95% CI (normal), natural scale.';
COMMENT ON COLUMN class_effects.fixed_ci_upper IS 'Upper limit of its 95% CI, natural scale.';
COMMENT ON COLUMN class_effects.note IS 'What the reader should know: a shared control split among doses, no prediction interval below three comparisons, participants left out; NULL otherwise.';
