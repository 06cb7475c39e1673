-- Canonical facts for the command line (`python -m monitoring facts`): current values only, values as plain
-- numbers, NULL where a special value stands (its symbol is in flag).
-- Parameters: $ags, $indicator, $year — each NULL for "all".
-- @param ags TEXT = '08216'
-- @param indicator TEXT = 'arbeitslosenquote_auslaender'
-- @param year INTEGER = 2023
SELECT ags, indicator, year, period, breakdown, category, value, flag, basis, is_break, source, stand, licence, attribution
FROM facts
WHERE ($ags IS NULL OR ags = $ags)
  AND ($indicator IS NULL OR indicator = $indicator)
  AND ($year IS NULL OR year = $year)
ORDER BY indicator, ags, period, breakdown, category
