-- check: evidence publication counts one value per class
--
-- n_publications and n_rct_publications are class totals repeated on every row of the class.

SELECT treatment_class
FROM evidence
GROUP BY treatment_class
HAVING count(DISTINCT n_publications) > 1 OR count(DISTINCT n_rct_publications) > 1;
