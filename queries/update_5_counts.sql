-- Preview of an update: how many imported values will count (effective) and how many not (superseded).
-- Parameters: $import_id = the id the update will get.
-- @param import_id TEXT = '0001-20260101T000000Z'
SELECT count(*) FILTER (WHERE is_current) AS effective, count(*) FILTER (WHERE NOT is_current) AS superseded
FROM facts_all
WHERE import_id = $import_id
