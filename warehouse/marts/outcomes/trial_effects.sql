-- grain: trial x posted outcome mapped to an endpoint x active group compared with the control group
-- key: nct_id, outcome_idx, active_group_id
-- incremental: patch by nct_id
-- not null: endpoint_code, effect_measure, selected_for_pooling
-- allowed: effect_measure in (mean_difference, risk_ratio)
-- allowed: control_type in (placebo, sham, no_intervention, standard_care, active_comparator) or null
-- allowed: source in (posted_analysis, arm_values) or null
-- allowed: population in (episodic, chronic, mixed) or null
--
-- The effects of the current version of each trial (one partition per run, like trial_endpoints). An
-- outcome with no usable comparison keeps one row (active_group_id NULL when no group could be
-- compared) saying why in not_computed_reason: no outcome is dropped and no number is made up.

CREATE TABLE trial_effects AS
SELECT
    x.nct_id, x.outcome_idx, x.outcome_kind, x.endpoint_code, x.population, x.time_window,
    x.active_group_id, x.active_group_title, x.active_arm_label, x.control_group_id, x.control_group_title,
    x.control_arm_label, x.control_type, x.control_rule, x.comparisons_sharing_control, x.effect_measure,
    x.estimate, x.ci_lower, x.ci_upper, x.analysis_estimate, x.analysis_se, x.control_variance_share,
    x.n_active, x.n_control, x.source, x.posted_analysis_idx, x.posted_param_type, x.posted_value_raw,
    x.posted_ci_lower_raw, x.posted_ci_upper_raw, x.posted_p_value_raw, x.param_type, x.dispersion_type,
    x.unit_of_measure, x.active_value_raw, x.active_spread_raw, x.control_value_raw,
    x.control_spread_raw, x.note, x.not_computed_reason, x.selected_for_pooling, x.selection_note
FROM stg_ctgov_trial_effects AS x
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
JOIN trials AS t USING (nct_id)
ORDER BY x.nct_id, x.outcome_idx, x.active_group_id NULLS FIRST;

COMMENT ON TABLE trial_effects IS 'Each trial''s effect on each mapped endpoint: one row per posted outcome x active group vs the control group (a multi-dose trial gives one row per dose), with the values it came from; where no effect can be computed, not_computed_reason says why.';
COMMENT ON COLUMN trial_effects.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_effects.outcome_idx IS 'Posted outcome (trial_results.outcome_idx; trial_endpoints with outcome_source results).';
COMMENT ON COLUMN trial_effects.outcome_kind IS 'primary, secondary, other_pre_specified or post_hoc, as posted.';
COMMENT ON COLUMN trial_effects.endpoint_code IS 'Canonical endpoint of the outcome (endpoints.endpoint_code; never other).';
COMMENT ON COLUMN trial_effects.population IS 'episodic, chronic or mixed migraine (trial_endpoints.population); NULL when not stated.';
COMMENT ON COLUMN trial_effects.time_window IS 'Time window the outcome states (trial_endpoints.time_window).';
COMMENT ON COLUMN trial_effects.active_group_id IS 'Posted result group compared with the control (OG000, ...); NULL on the one row of an outcome with no usable comparison.';
COMMENT ON COLUMN trial_effects.active_group_title IS 'That group''s title as posted.';
COMMENT ON COLUMN trial_effects.active_arm_label IS 'Registered arm the group was matched to (trial_arms.label); NULL when none matched.';
COMMENT ON COLUMN trial_effects.control_group_id IS 'Posted result group chosen as the control.';
COMMENT ON COLUMN trial_effects.control_group_title IS 'The control group''s title as posted.';
COMMENT ON COLUMN trial_effects.control_arm_label IS 'Registered arm the control group was matched to; NULL when none matched.';
COMMENT ON COLUMN trial_effects.control_type IS 'placebo, sham, no_intervention, standard_care or active_comparator (only when no placebo, sham or untreated group exists).';
COMMENT ON COLUMN trial_effects.control_rule IS 'Which rule chose the control and the words it read, e.g. arm type PLACEBO_COMPARATOR (arm ''Placebo'').';
COMMENT ON COLUMN trial_effects.comparisons_sharing_control IS 'Active groups compared with this control in this outcome: pooling splits a shared control among them (class_effect_members.control_split).';
COMMENT ON COLUMN trial_effects.effect_measure IS 'mean_difference (active minus control, in the outcome''s unit) or risk_ratio (active over control), the endpoint''s measure (endpoints.effect_measure).';
COMMENT ON COLUMN trial_effects.estimate IS 'The effect on its natural scale (days, points, or the ratio); NULL when not computed.';
COMMENT ON COLUMN trial_effects.ci_lower IS 'Lower limit of its 95% confidence interval, natural scale.';
COMMENT ON COLUMN trial_effects.ci_upper IS 'Upper limit of its 95% confidence interval, natural scale.';
COMMENT ON COLUMN trial_effects.analysis_estimate IS 'The estimate on the scale pooling uses: the mean difference, or the natural log of the risk ratio.';
COMMENT ON COLUMN trial_effects.analysis_se IS 'Its standard error on that scale (Cochrane Handbook chapter 6: from the CI, the posted SE, an exact p-value or the arm values).';
COMMENT ON COLUMN trial_effects.control_variance_share IS 'Share of analysis_se squared due to the control arm (exact from arm values; from the group sizes for a posted analysis): what pooling multiplies when it splits a shared control.';
COMMENT ON COLUMN trial_effects.n_active IS 'Participants analysed in the active group (the posted denominator).';
COMMENT ON COLUMN trial_effects.n_control IS 'Participants analysed in the control group.';
COMMENT ON COLUMN trial_effects.source IS 'posted_analysis (the sponsor''s analysis of these two groups gave the estimate and its CI, SE or exact p-value) or arm_values (computed from the groups'' posted values); NULL when not computed.';
COMMENT ON COLUMN trial_effects.posted_analysis_idx IS 'The posted analysis used (trial_result_analyses.analysis_idx); NULL for arm values.';
COMMENT ON COLUMN trial_effects.posted_param_type IS 'Its parameter type as posted, e.g. LS Mean Difference.';
COMMENT ON COLUMN trial_effects.posted_value_raw IS 'Its estimate exactly as posted.';
COMMENT ON COLUMN trial_effects.posted_ci_lower_raw IS 'Its lower confidence limit exactly as posted.';
COMMENT ON COLUMN trial_effects.posted_ci_upper_raw IS 'Its upper confidence limit exactly as posted.';
COMMENT ON COLUMN trial_effects.posted_p_value_raw IS 'Its p-value exactly as posted, e.g. <0.001.';
COMMENT ON COLUMN trial_effects.param_type IS 'Parameter type of the groups'' posted values, e.g. LEAST_SQUARES_MEAN, COUNT_OF_PARTICIPANTS.';
COMMENT ON COLUMN trial_effects.dispersion_type IS 'Dispersion type of the groups'' posted values, e.g. STANDARD_DEVIATION.';
COMMENT ON COLUMN trial_effects.unit_of_measure IS 'Unit of the groups'' posted values, e.g. days, percentage of participants.';
COMMENT ON COLUMN trial_effects.active_value_raw IS 'The active group''s posted value exactly as posted (NULL when the arm values were not read).';
COMMENT ON COLUMN trial_effects.active_spread_raw IS 'Its spread (or "lower to upper" limits) exactly as posted.';
COMMENT ON COLUMN trial_effects.control_value_raw IS 'The control group''s posted value exactly as posted.';
COMMENT ON COLUMN trial_effects.control_spread_raw IS 'Its spread (or "lower to upper" limits) exactly as posted.';
COMMENT ON COLUMN trial_effects.note IS 'How the number was obtained when not plain (events from percentages, 0.5 added to zero cells, sign turned round, another posted analysis not used and why); NULL otherwise.';
COMMENT ON COLUMN trial_effects.not_computed_reason IS 'Why no effect could be computed (e.g. a percentage without its denominator, a p-value bound with no CI); NULL when estimate is given.';
COMMENT ON COLUMN trial_effects.selected_for_pooling IS 'True for the rows class_effects pools: one outcome per trial x endpoint x population (primary before secondary, then the lowest outcome_idx), every dose of it.';
COMMENT ON COLUMN trial_effects.selection_note IS 'Why a row with an estimate is not pooled (another outcome of the trial is used for the endpoint); NULL otherwise.';
