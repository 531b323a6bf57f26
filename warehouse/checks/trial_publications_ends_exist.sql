-- check: trial_publications ends exist

SELECT nct_id || ' / ' || pmid
FROM trial_publications AS l
WHERE NOT EXISTS (SELECT 1 FROM trials AS t WHERE t.nct_id = l.nct_id)
   OR NOT EXISTS (SELECT 1 FROM publications AS p WHERE p.pmid = l.pmid);
