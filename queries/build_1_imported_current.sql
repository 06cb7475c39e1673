-- Build step 1: among imported facts, the value that counts for each district, indicator, category and Stichtag.
-- Rule: the series with the higher priority wins (catalogue), then the newer Stand (data date), then the later
-- import (a user import over the default dataset, a later user import over an earlier one: import_id, '' for the
-- default dataset), then the file name and the row in it (only to make the
-- choice deterministic: the first of two values of one file for one Stichtag wins).  So a re-imported or corrected
-- export replaces the value it repeats, but an older export (earlier Stand) or a series the catalogue ranks lower
-- never overrides a better one just by being imported later.  Superseded values stay in facts_imported.
-- Parameters: none.  Units: as imported.
-- @params none
CREATE OR REPLACE TABLE imported_current AS
SELECT *
FROM facts_imported
QUALIFY row_number() OVER (
    PARTITION BY ags, indicator, breakdown, category, period
    ORDER BY priority DESC, stand DESC, import_id DESC, source_file, file_row
) = 1
