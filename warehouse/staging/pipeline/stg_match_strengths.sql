-- grain: match strength the classifier records (config.MATCH_STRENGTHS), strongest first
-- key: match_strength
-- incremental: complete (a list the code defines, registered with the value lists)

CREATE TEMP VIEW stg_match_strengths AS
SELECT value AS match_strength, position AS strength_rank
FROM src_value_lists
WHERE list_name = 'match_strengths';
