-- check: evidence n_trials match evidence_trials

SELECT treatment_class
FROM (SELECT treatment_class, sum(n_trials) AS n FROM evidence GROUP BY treatment_class) AS e
FULL JOIN (SELECT treatment_class, count(*) AS n FROM evidence_trials GROUP BY treatment_class) AS t
    USING (treatment_class)
WHERE coalesce(e.n, 0) <> coalesce(t.n, 0);
