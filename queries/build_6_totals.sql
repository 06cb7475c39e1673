-- Build step 6: a narrow copy of the totals (category '') of the current districts, Länder and Germany,
-- sorted by indicator and Stichtag: what rankings, maps, profiles and comparisons scan.  The wide facts
-- table (sources, licences, bases as text) stays the reference; this one only makes the scans cheap.
-- Parameters: none.
-- @params none
CREATE OR REPLACE TABLE totals AS
SELECT f.indicator, f.ags, f.period, f.year, f.value, f.flag, coalesce(d.land_ags, '') AS land_ags,
       d.ags IS NOT NULL AS is_district
FROM facts f
LEFT JOIN districts d USING (ags)
WHERE f.category = '' AND (d.ags IS NOT NULL OR length(f.ags) = 2 OR f.ags = 'DG')
ORDER BY f.indicator, f.period, f.ags
