-- The build's plausibility warnings (data/plausibility.parquet, monitoring/plausibility.py): one row per flagged
-- value with the rule and a German message.  A warning never changes a value; it travels beside it.
-- @param path TEXT = 'data/plausibility.parquet'
CREATE OR REPLACE TABLE plausibility AS
SELECT ags, indicator, breakdown, category, period, rule, message
FROM read_parquet($path);
