-- Preview of an update: imported values that will not count because a value with higher catalogue priority or a
-- newer Stand stands for the same district, indicator, category and Stichtag (build_1_imported_current.sql), and
-- the value that counts instead.
-- Parameters: $import_id = the id the update will get.
-- @param import_id TEXT = '0001-20260101T000000Z'
SELECT a.ags, coalesce(r.label, a.ags) AS region, a.indicator, coalesce(k.name, a.indicator) AS indicator_name,
       a.category, a.period, a.value, a.flag, a.source, a.stand, a.source_file,
       f.value AS current_value, f.source AS current_source, f.stand AS current_stand
FROM facts_all a
LEFT JOIN facts f
  ON f.ags = a.ags AND f.indicator = a.indicator AND f.breakdown = a.breakdown AND f.category = a.category
 AND f.period = a.period
LEFT JOIN catalog k ON k.id = a.indicator
LEFT JOIN regions r ON r.ags = a.ags
WHERE a.import_id = $import_id AND NOT a.is_current
ORDER BY a.indicator, a.ags, a.period
