-- grain: trial version x classifier match (the classifier writes one partition per run)
-- key: none (one row per match found)
-- incremental: before splice (an incremental build registers only the new runs' partitions)

--
-- Partitions classified before match_strength existed read it as NULL: that classifier read
-- interventions and arms only, so their matches are of strength intervention.

CREATE TEMP VIEW stg_ctgov_trial_classes AS
SELECT
    nct_id,
    treatment_class,
    matched_field,
    matched_term,
    matched_text,
    coalesce(match_strength, 'intervention') AS match_strength,
    run_id
FROM src_ctgov_trial_classes;
