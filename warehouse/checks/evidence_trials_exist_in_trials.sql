-- check: evidence_trials trials exist in trials

SELECT nct_id FROM evidence_trials
EXCEPT
SELECT nct_id FROM trials;
