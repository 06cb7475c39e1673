-- Load data/laender.csv (written by the build from the BKG/BBSR files) into the database, all columns as text.
-- Parameters: $path = the CSV file.
-- @param path TEXT = 'data/facts.parquet'
CREATE TABLE laender AS SELECT * FROM read_csv($path, header = true, all_varchar = true)
