-- grain: treatment class x trial it counts for
-- key: treatment_class, nct_id
-- incremental: rebuild (over every trial, after the splice)
--
-- A trial matched by a class also counts for every ancestor of that class (treatment_class_ancestry,
-- from this build's config). Only matches at least as strong as the counted class's min_match_strength
-- count (stg_match_strengths ranks them, strongest first); match_strength is the strongest of those.
-- Input of the evidence tables.

CREATE TEMP TABLE int_class_membership AS
SELECT a.treatment_class, c.nct_id, arg_min(c.match_strength, s.strength_rank) AS match_strength
FROM trial_classes AS c
JOIN treatment_class_ancestry AS a ON a.descendant = c.treatment_class
JOIN treatment_classes AS tc ON tc.treatment_class = a.treatment_class
JOIN stg_match_strengths AS s ON s.match_strength = c.match_strength
JOIN stg_match_strengths AS weakest ON weakest.match_strength = tc.min_match_strength
WHERE s.strength_rank <= weakest.strength_rank
GROUP BY a.treatment_class, c.nct_id;
