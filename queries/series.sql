-- Time series of one indicator for several regions (the district, its Land, Germany, chosen districts).
-- Parameters: $indicator, $regions (list of AGS), $category ('' = total), $year_from, $year_to.
-- Returns one row per region and Stichtag: value NULL where a special value stands (flag says which).
-- @param indicator TEXT = 'arbeitslosenquote_auslaender'
-- @param category TEXT = ''
-- @param regions TEXT[] = ['08216', '08', 'DG']
-- @param year_from INTEGER = 1995
-- @param year_to INTEGER = 2025
SELECT f.ags, r.label AS name, f.period, f.year, f.value, f.flag, f.basis, f.is_break, f.source, f.stand,
       f.attribution, f.note
FROM facts f
JOIN regions r USING (ags)
WHERE f.indicator = $indicator
  AND f.category = $category
  AND list_contains($regions, f.ags)
  AND f.year BETWEEN $year_from AND $year_to
ORDER BY list_position($regions, f.ags), f.period
