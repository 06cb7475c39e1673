-- All current districts (Gebietsstand of the BKG boundaries) for the district pickers.
-- Parameters: none.  Returns ags, label (unique name), name, type, land_ags, land_name, rb_name.
-- @params none
SELECT ags, label, name, type, land_ags, land_name, coalesce(rb_name, '') AS rb_name
FROM districts
ORDER BY land_ags, label
