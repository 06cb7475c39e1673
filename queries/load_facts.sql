-- Load the canonical imported facts (data/facts.parquet, written by `python -m monitoring build`).
-- Parameters: $path = the Parquet file.
CREATE TABLE facts_imported AS SELECT * FROM read_parquet($path)
