-- grain: trial version x outcome (registered or posted) with its canonical endpoint (one partition per run)
-- key: nct_id, run_id, outcome_source, outcome_kind, outcome_idx
-- incremental: before splice (an incremental build registers only the new runs' partitions)

CREATE TEMP VIEW stg_ctgov_trial_endpoints AS
SELECT
    nct_id, outcome_source, outcome_kind, outcome_idx, title, endpoint_code, matched_rule, matched_field,
    matched_terms, matched_text, mapping_note, time_window, time_window_field, population,
    population_field, run_id
FROM src_ctgov_trial_endpoints;
