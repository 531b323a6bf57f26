-- grain: treatment class x trial (a trial of a subclass is listed under every ancestor class too)
-- key: treatment_class, nct_id
-- incremental: rebuild (over every trial and publication, after the splice)
-- not null: treatment_class, class_label, match_strength, nct_id, status_group, has_results, url
-- not null: primary_endpoints, n_primary_effects
-- allowed: match_strength in match_strengths
-- allowed: phase in phases or null
-- allowed: status_group in status_groups
-- allowed: results_route in (registry, publication, both, none)
-- allowed: primary_effect_measure in (mean_difference, risk_ratio) or null
-- allowed: primary_effect_source in (posted_analysis, arm_values) or null
--
-- The evidence table analysts start from. results_route says where a trial's results can be read:
-- 'registry' = posted on ClinicalTrials.gov only (has_results), 'publication' = only a linked results
-- publication (trial_publications.is_results_link: a pubmed_databank or pubmed_text link, or a
-- ctgov_reference of type RESULT or DERIVED), 'both', or 'none'. linked_pmids lists the publications
-- linked by any route, results or not. Without PubMed data every trial is 'registry' or 'none'.
-- match_strength: the strongest evidence that puts the trial in the class (int_class_membership, which
-- leaves out matches weaker than the class's min_match_strength).
-- primary_endpoints: the canonical endpoints (trial_endpoints) of the trial's primary outcomes,
-- registered or posted. primary_effect_*: one effect of a primary outcome against control
-- (trial_effects): the first posted primary outcome with an estimate, its first active group in
-- registry order; n_primary_effects counts them all (doses, several primary outcomes).

CREATE OR REPLACE TABLE evidence_trials AS
WITH publication_evidence AS (
    SELECT
        nct_id,
        list(pmid ORDER BY length(pmid), pmid) AS linked_pmids,
        bool_or(has_results_link) AS has_results_publication
    FROM (
        SELECT nct_id, pmid, bool_or(is_results_link) AS has_results_link
        FROM trial_publications
        GROUP BY nct_id, pmid
    )
    GROUP BY nct_id
),
primary_endpoint_codes AS (
    SELECT nct_id, list(endpoint_code ORDER BY position) AS primary_endpoints
    FROM (
        SELECT DISTINCT t.nct_id, t.endpoint_code, e.position
        FROM trial_endpoints AS t
        JOIN endpoints AS e USING (endpoint_code)
        WHERE t.outcome_kind = 'primary'
    )
    GROUP BY nct_id
),
primary_effects AS (
    SELECT
        nct_id,
        endpoint_code,
        effect_measure,
        estimate,
        ci_lower,
        ci_upper,
        coalesce(active_group_title, active_group_id) || ' vs '
            || coalesce(control_group_title, control_group_id) AS comparison,
        control_type,
        source,
        count(*) OVER (PARTITION BY nct_id) AS n_primary_effects
    FROM trial_effects
    WHERE outcome_kind = 'primary' AND estimate IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY nct_id ORDER BY outcome_idx, active_group_id) = 1
)
SELECT
    m.treatment_class,
    tc.label AS class_label,
    m.match_strength,
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
    coalesce(pec.primary_endpoints, []::VARCHAR[]) AS primary_endpoints,
    pef.endpoint_code AS primary_effect_endpoint,
    pef.effect_measure AS primary_effect_measure,
    pef.estimate AS primary_effect_estimate,
    pef.ci_lower AS primary_effect_ci_lower,
    pef.ci_upper AS primary_effect_ci_upper,
    pef.comparison AS primary_effect_comparison,
    pef.control_type AS primary_effect_control,
    pef.source AS primary_effect_source,
    coalesce(pef.n_primary_effects, 0)::BIGINT AS n_primary_effects,
    t.last_update_post_date,
    t.url
FROM int_class_membership AS m
JOIN treatment_classes AS tc USING (treatment_class)
JOIN trials AS t USING (nct_id)
JOIN trial_summaries AS s USING (nct_id)
LEFT JOIN publication_evidence AS pe USING (nct_id)
LEFT JOIN primary_endpoint_codes AS pec USING (nct_id)
LEFT JOIN primary_effects AS pef USING (nct_id)
ORDER BY tc.sort_order, t.nct_id;

COMMENT ON TABLE evidence_trials IS 'One row per treatment class x trial; a trial of a subclass is listed under every ancestor class too.';
COMMENT ON COLUMN evidence_trials.treatment_class IS 'Class (treatment_classes.treatment_class).';
COMMENT ON COLUMN evidence_trials.class_label IS 'Human-readable class name.';
COMMENT ON COLUMN evidence_trials.match_strength IS 'Strongest evidence for the trial''s class (trial_classes.match_strength): intervention, mesh, title or summary; never weaker than treatment_classes.min_match_strength.';
COMMENT ON COLUMN evidence_trials.nct_id IS 'Trial (trials.nct_id).';
COMMENT ON COLUMN evidence_trials.title IS 'Brief title.';
COMMENT ON COLUMN evidence_trials.phase IS 'Phase (see trials.phase); NULL when none registered.';
COMMENT ON COLUMN evidence_trials.overall_status IS 'Registry recruitment status.';
COMMENT ON COLUMN evidence_trials.status_group IS 'ongoing, completed, ended_early or other.';
COMMENT ON COLUMN evidence_trials.start_date IS 'Study start (first day of a month/year-only date).';
COMMENT ON COLUMN evidence_trials.primary_completion_date IS 'Primary completion (first day of a month/year-only date).';
COMMENT ON COLUMN evidence_trials.completion_date IS 'Study completion (first day of a month/year-only date).';
COMMENT ON COLUMN evidence_trials.enrollment IS 'Participants (actual or anticipated).';
COMMENT ON COLUMN evidence_trials.primary_outcome_measures IS 'Primary outcome measures registered in the design, in registry order.';
COMMENT ON COLUMN evidence_trials.has_results IS 'True when results are posted.';
COMMENT ON COLUMN evidence_trials.primary_result_summary IS 'Posted primary outcome results as text: title (parameter, unit): group value (dispersion) n=...; ... [first analysis p-value, method]; outcomes separated by " | ". NULL when none posted.';
COMMENT ON COLUMN evidence_trials.primary_endpoints IS 'Canonical endpoints (endpoints.endpoint_code) of the trial''s primary outcomes, registered or posted, in endpoint order; other for a primary outcome no rule maps; empty when none is registered (see trial_endpoints).';
COMMENT ON COLUMN evidence_trials.primary_effect_endpoint IS 'Endpoint of the primary effect shown: the first posted primary outcome with an effect against control, its first active group in registry order (trial_effects); NULL when no primary effect could be computed.';
COMMENT ON COLUMN evidence_trials.primary_effect_measure IS 'mean_difference (active minus control) or risk_ratio (active over control).';
COMMENT ON COLUMN evidence_trials.primary_effect_estimate IS 'That effect on its natural scale (days, points, or the ratio).';
COMMENT ON COLUMN evidence_trials.primary_effect_ci_lower IS 'Lower limit of its 95% CI.';
COMMENT ON COLUMN evidence_trials.primary_effect_ci_upper IS 'Upper limit of its 95% CI.';
COMMENT ON COLUMN evidence_trials.primary_effect_comparison IS 'The groups compared, as posted: "<active group> vs <control group>".';
COMMENT ON COLUMN evidence_trials.primary_effect_control IS 'Kind of control: placebo, sham, no_intervention, standard_care or active_comparator.';
COMMENT ON COLUMN evidence_trials.primary_effect_source IS 'posted_analysis (the sponsor''s analysis) or arm_values (computed from the groups'' posted values).';
COMMENT ON COLUMN evidence_trials.n_primary_effects IS 'Effects against control computed for the trial''s primary outcomes (one per dose and outcome): all are in trial_effects; 0 when none.';
COMMENT ON COLUMN evidence_trials.results_route IS 'Where results can be read: registry (posted on ClinicalTrials.gov only), publication (a linked results publication only: trial_publications.is_results_link), both, or none.';
COMMENT ON COLUMN evidence_trials.linked_pmids IS 'PMIDs of the publications linked to the trial by any route (trial_publications), results or not, a list.';
COMMENT ON COLUMN evidence_trials.last_update_post_date IS 'Date of the last registry update.';
COMMENT ON COLUMN evidence_trials.url IS 'Study page on ClinicalTrials.gov.';
