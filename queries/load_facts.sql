-- Load the canonical imported facts (data/facts.parquet, written by `python -m monitoring build`).
-- import_id is '' for this default dataset; user imports (load_import_facts.sql) carry their id.
-- Parameters: $path = the Parquet file.
CREATE TABLE facts_imported AS SELECT *, '' AS import_id FROM read_parquet($path)
