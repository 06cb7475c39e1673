-- Preview of an update: the changes of update_1_changes.sql with region and indicator names, for the page and CLI.
-- Parameters: none.
-- @params none
SELECT c.status, c.ags, coalesce(r.label, c.ags) AS region, c.indicator, coalesce(k.name, c.indicator) AS indicator_name,
       k.unit, c.breakdown, c.category, c.period,
       c.old_value, c.old_flag, c.old_source, c.old_stand, c.old_note, c.new_value, c.new_flag, c.new_source,
       c.new_stand, c.new_note,
       c.is_break, c.old_basis, c.new_basis, c.source_file
FROM changes c
LEFT JOIN regions r ON r.ags = c.ags
LEFT JOIN catalog k ON k.id = c.indicator
ORDER BY c.status, c.indicator, c.ags, c.breakdown, c.category, c.period
