-- Build step 1: among imported facts, the value that counts for each district, indicator, category and Stichtag.
-- Rule: the series with the higher priority wins (catalogue), then the newer Stand (data date), then the file name
-- (only to make the choice deterministic).  Superseded values stay in facts_imported.
-- Parameters: none.  Units: as imported.
CREATE OR REPLACE TABLE imported_current AS
SELECT *
FROM facts_imported
QUALIFY row_number() OVER (
    PARTITION BY ags, indicator, breakdown, category, period
    ORDER BY priority DESC, stand DESC, source_file
) = 1
