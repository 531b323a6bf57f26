-- check: every configured class in evidence
--
-- Each check is a query whose rows are what breaks the rule, the first column naming it; no rows passes.
-- "No registered trials" is an answer: a configured class missing from evidence is a bug, not a gap.

SELECT treatment_class FROM treatment_classes
EXCEPT
SELECT treatment_class FROM evidence;
