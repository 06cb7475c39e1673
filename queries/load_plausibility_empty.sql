-- An empty warnings table, for a data folder without plausibility.parquet (a test's copy, the build's own check).
-- @params none
CREATE OR REPLACE TABLE plausibility (
    ags VARCHAR, indicator VARCHAR, breakdown VARCHAR, category VARCHAR, period VARCHAR, rule VARCHAR, message VARCHAR
);
