-- Load the canonical imported facts (data/facts.parquet, written by `python -m monitoring build`).
-- import_id is '' for this default dataset; user imports (load_import_facts.sql) carry their id.  file_row (the row
-- in the Parquet, which keeps the order of the source file) makes the choice between two values of the same file
-- for the same Stichtag deterministic: the first one wins (build_1_imported_current.sql).
-- Parameters: $path = the Parquet file.
-- @param path TEXT = 'data/facts.parquet'
CREATE TABLE facts_imported AS
SELECT * EXCLUDE (file_row_number), '' AS import_id, file_row_number AS file_row
FROM read_parquet($path, file_row_number = true)
