-- Canonical facts for the command line (`python -m monitoring facts`): current values only, values as plain
-- numbers, NULL where a special value stands (its symbol is in flag); plausibility: the build's warnings about the
-- value (rule: message, several joined by " | "), empty where there is none.
-- Parameters: $ags, $indicator, $year — each NULL for "all".
-- @param ags TEXT = '08216'
-- @param indicator TEXT = 'arbeitslosenquote_auslaender'
-- @param year INTEGER = 2023
WITH warnings AS (
    SELECT ags, indicator, breakdown, category, period,
           string_agg(rule || ': ' || message, ' | ' ORDER BY rule) AS plausibility
    FROM plausibility
    GROUP BY ALL
)
SELECT f.ags, f.indicator, f.year, f.period, f.breakdown, f.category, f.value, f.flag, f.basis, f.is_break, f.source,
       f.stand, f.licence, f.attribution, coalesce(w.plausibility, '') AS plausibility
FROM facts f
LEFT JOIN warnings w USING (ags, indicator, breakdown, category, period)
WHERE ($ags IS NULL OR f.ags = $ags)
  AND ($indicator IS NULL OR f.indicator = $indicator)
  AND ($year IS NULL OR f.year = $year)
ORDER BY f.indicator, f.ags, f.period, f.breakdown, f.category
