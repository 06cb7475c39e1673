-- Preview of an update (monitoring/updates.py): every current value (facts) the update adds, changes or removes,
-- imported or derived.  Runs in the database as it would be after the update, with the current database attached
-- as "old"; kept as the temp table changes for update_2 and update_3.
-- status: new | changed (value, flag, source, Stand or note differs: a corrected source is a change too) | removed.
-- Values that stay the same in all of these are not listed.
-- Parameters: none.  Units: as in facts; region and indicator names for the preview tables.
-- @params none
CREATE TEMP TABLE changes AS
SELECT coalesce(n.ags, o.ags) AS ags,
       coalesce(n.indicator, o.indicator) AS indicator,
       coalesce(n.breakdown, o.breakdown) AS breakdown,
       coalesce(n.category, o.category) AS category,
       coalesce(n.period, o.period) AS period,
       CASE WHEN o.ags IS NULL THEN 'new' WHEN n.ags IS NULL THEN 'removed' ELSE 'changed' END AS status,
       o.value AS old_value, o.flag AS old_flag, o.source AS old_source, o.stand AS old_stand, o.basis AS old_basis,
       o.note AS old_note,
       n.value AS new_value, n.flag AS new_flag, n.source AS new_source, n.stand AS new_stand, n.basis AS new_basis,
       n.note AS new_note,
       coalesce(n.is_break, false) AS is_break,
       coalesce(n.source_file, o.source_file) AS source_file
FROM facts n
FULL OUTER JOIN old.facts o
  ON n.ags = o.ags AND n.indicator = o.indicator AND n.breakdown = o.breakdown AND n.category = o.category
 AND n.period = o.period
WHERE o.ags IS NULL OR n.ags IS NULL OR o.value IS DISTINCT FROM n.value OR o.flag IS DISTINCT FROM n.flag
   OR o.source IS DISTINCT FROM n.source OR o.stand IS DISTINCT FROM n.stand OR o.note IS DISTINCT FROM n.note
