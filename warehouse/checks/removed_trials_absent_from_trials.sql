-- check: removed trials absent from trials

SELECT nct_id FROM removed_trials
INTERSECT
SELECT nct_id FROM trials;
