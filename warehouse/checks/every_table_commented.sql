-- check: every table commented
--
-- The warehouse documents itself: a table without a COMMENT ON (beside its CREATE) fails the build.

SELECT table_name
FROM duckdb_tables()
WHERE database_name = current_database() AND NOT temporary AND coalesce(trim(comment), '') = '';
