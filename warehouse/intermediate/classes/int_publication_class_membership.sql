-- grain: treatment class x publication it counts for
-- key: treatment_class, pmid
-- incremental: rebuild (over every publication, after the splice)
--
-- As int_class_membership, for publications: a match of a subclass counts for every ancestor.

CREATE TEMP TABLE int_publication_class_membership AS
SELECT DISTINCT a.treatment_class, c.pmid
FROM publication_classes AS c
JOIN treatment_class_ancestry AS a ON a.descendant = c.treatment_class;
