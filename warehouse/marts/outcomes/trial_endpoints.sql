-- grain: trial x outcome registered in the design or posted in the results, with its canonical endpoint
-- key: nct_id, outcome_source, outcome_kind, outcome_idx
-- incremental: patch by nct_id
-- not null: outcome_source, endpoint_code
-- allowed: outcome_source in (design, results)
-- allowed: matched_field in (title, description) or null
-- allowed: time_window_field in (title, time_frame) or null
-- allowed: population in (episodic, chronic, mixed) or null
--
-- The mapping of the current version of each trial (the outcome derivation writes one partition per
-- run, like the classifier; only the current run's rows count). Every mapping says which configured
-- rule, field and words chose it; an outcome no rule matches is 'other', never dropped. outcome_kind
-- comes from the registry (a code it adds later is kept as is), so it has no allowed list.

CREATE TABLE trial_endpoints AS
SELECT
    e.nct_id, e.outcome_source, e.outcome_kind, e.outcome_idx, e.title, e.endpoint_code, e.matched_rule,
    e.matched_field, e.matched_terms, e.matched_text, e.mapping_note, e.time_window, e.time_window_field,
    e.population, e.population_field
FROM stg_ctgov_trial_endpoints AS e
JOIN int_ctgov_current_runs AS c USING (nct_id, run_id)
JOIN trials AS t USING (nct_id)
ORDER BY e.nct_id, e.outcome_source, e.outcome_kind, e.outcome_idx;

COMMENT ON TABLE trial_endpoints IS 'Each registered outcome (design) and each posted result outcome (results) of a trial mapped to a canonical endpoint (endpoints), with the rule, field and words that chose it, its time window and population.';
COMMENT ON COLUMN trial_endpoints.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN trial_endpoints.outcome_source IS 'design (registered outcome: trial_outcomes) or results (posted outcome: trial_results).';
COMMENT ON COLUMN trial_endpoints.outcome_kind IS 'primary, secondary or other (design); primary, secondary, other_pre_specified or post_hoc (results).';
COMMENT ON COLUMN trial_endpoints.outcome_idx IS 'Position of the outcome (0-based): within its kind for design outcomes (trial_outcomes.outcome_idx), among the posted outcomes for results (trial_results.outcome_idx).';
COMMENT ON COLUMN trial_endpoints.title IS 'Outcome title as registered or posted.';
COMMENT ON COLUMN trial_endpoints.endpoint_code IS 'Canonical endpoint (endpoints.endpoint_code); other when no configured rule matches.';
COMMENT ON COLUMN trial_endpoints.matched_rule IS 'The rule that matched, as "<endpoint>: <rule name>"; NULL for other.';
COMMENT ON COLUMN trial_endpoints.matched_field IS 'Where the rule matched: title, or description (read only when the title is too bare to say, e.g. "Primary Outcome"); NULL for other.';
COMMENT ON COLUMN trial_endpoints.matched_terms IS 'The configured terms that matched, one per term group of the rule, a list.';
COMMENT ON COLUMN trial_endpoints.matched_text IS 'The matched words in their context, from the outcome''s own text.';
COMMENT ON COLUMN trial_endpoints.mapping_note IS 'Why a rule that matched was not taken (e.g. the outcome states 1 hour, the endpoint is at 2 hours); NULL when nothing to say.';
COMMENT ON COLUMN trial_endpoints.time_window IS 'The time window the outcome states, in one normal form: "weeks 9-12", "2 hours post dose", "month 3"; NULL when none stated.';
COMMENT ON COLUMN trial_endpoints.time_window_field IS 'Where the window was read: title or time_frame.';
COMMENT ON COLUMN trial_endpoints.population IS 'episodic, chronic or mixed (both named) migraine, as stated by the outcome, else by the trial''s conditions or titles; NULL when nowhere stated.';
COMMENT ON COLUMN trial_endpoints.population_field IS 'Where the population was read, e.g. outcome.title, outcome.population_description, trial.conditions, trial.official_title.';
