-- Add the facts of one user import (data/imports/<id>.parquet, written by monitoring/updates.py) to facts_imported.
-- import_id orders imports: a later import wins over an earlier one and over the default dataset (import_id '')
-- when priority and Stand are equal (see build_1_imported_current.sql); file_row as in load_facts.sql.
-- Parameters: $path = the Parquet file, $import_id = the import's id from data/imports/manifest.json.
-- @param import_id TEXT = '0001-20260101T000000Z'
-- @param path TEXT = 'data/facts.parquet'
INSERT INTO facts_imported BY NAME
SELECT * EXCLUDE (file_row_number), $import_id AS import_id, file_row_number AS file_row
FROM read_parquet($path, file_row_number = true)
