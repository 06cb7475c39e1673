-- Build step 4: the canonical facts the dashboard reads — current values only, with a break marked where the
-- basis of a series changes from one Stichtag to the next (e.g. Zensus 2011 → Zensus 2022 Fortschreibung,
-- published share → own calculation).  is_break is true on the first value of the new basis.
-- Parameters: none.
-- @params none
CREATE OR REPLACE TABLE facts AS
SELECT ags, indicator, breakdown, category, period, year, value, flag, basis, source, source_file, stand,
       licence, attribution, note,
       coalesce(lag(basis) OVER series <> basis, false) AS is_break
FROM facts_all
WHERE is_current
WINDOW series AS (PARTITION BY ags, indicator, breakdown, category ORDER BY period)
ORDER BY indicator, ags, breakdown, category, period
