-- Build step 3: every value, imported and derived, with the decision which one counts (is_current).
-- Derived shares (priority 20, import_id NULL) win over published shares of the same Stichtag; see build step 1
-- for the rule.
-- Parameters: none.
-- @params none
CREATE OR REPLACE TABLE facts_all AS
WITH unioned AS (
    SELECT * FROM facts_imported
    UNION ALL BY NAME
    SELECT * FROM derived
)
SELECT *,
       row_number() OVER (
           PARTITION BY ags, indicator, breakdown, category, period
           ORDER BY priority DESC, stand DESC, import_id DESC NULLS LAST, source_file, file_row
       ) = 1 AS is_current
FROM unioned
