-- check: evidence n_publications cover the class's own matches

SELECT DISTINCT e.treatment_class
FROM evidence AS e
LEFT JOIN (
    SELECT treatment_class, count(DISTINCT pmid) AS n FROM publication_classes GROUP BY treatment_class
) AS c USING (treatment_class)
WHERE e.n_publications < coalesce(c.n, 0);
