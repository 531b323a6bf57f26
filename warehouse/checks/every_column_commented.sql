-- check: every column commented

SELECT table_name || '.' || column_name
FROM duckdb_columns()
WHERE database_name = current_database() AND NOT internal AND coalesce(trim(comment), '') = '';
