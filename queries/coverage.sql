-- Coverage matrix for one district: which indicator has a value (or a special value) in which year.
-- Parameters: $ags.  Returns indicator, year, values (count of non-NULL totals), flags (special values).
-- @param ags TEXT = '08216'
SELECT f.indicator, f.year, count(f.value) AS "values", string_agg(DISTINCT nullif(f.flag, ''), ' ') AS flags
FROM facts f
WHERE f.ags = $ags AND f.category = ''
GROUP BY ALL
ORDER BY f.indicator, f.year
