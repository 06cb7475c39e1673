-- Profile of one district: every indicator's latest total up to $year_to with the Land's value at the same
-- Stichtag, its rank and percentile among the districts of the scope, and the change since the first value
-- from $year_from on.  Parameters: $ags, $land, $scope ('DG' or a 2-digit Land code), $year_from, $year_to.
-- @param ags TEXT = '08216'
-- @param year_from INTEGER = 1995
-- @param year_to INTEGER = 2025
-- @param scope TEXT = '08'
-- @param land TEXT = '08'
WITH own AS (
    SELECT indicator, period, year, value,
           row_number() OVER (PARTITION BY indicator ORDER BY period DESC) AS newest,
           row_number() OVER (PARTITION BY indicator ORDER BY period) AS oldest
    FROM totals
    WHERE ags = $ags AND value IS NOT NULL AND year BETWEEN $year_from AND $year_to
),
latest AS (SELECT * FROM own WHERE newest = 1),
first AS (SELECT * FROM own WHERE oldest = 1 AND newest > 1),
peers AS (
    -- rank = 1 + districts with a better value: a lower one for lower_better indicators, else a higher one;
    -- percentile = share of the other districts with a lower value
    SELECT l.indicator,
           1 + CASE WHEN any_value(c.direction) = 'lower_better' THEN count(*) FILTER (WHERE t.value < l.value)
                    ELSE count(*) FILTER (WHERE t.value > l.value) END AS rank,
           count(*) AS ranked,
           100.0 * count(*) FILTER (WHERE t.value < l.value) / nullif(count(*) - 1, 0) AS percentile
    FROM latest l
    JOIN catalog c ON c.id = l.indicator
    JOIN totals t ON t.indicator = l.indicator AND t.period = l.period
    WHERE t.is_district AND t.value IS NOT NULL AND ($scope = 'DG' OR t.land_ags = $scope)
    GROUP BY l.indicator
)
SELECT c.handlungsfeld, c.id AS indicator, c.name, c.unit, c.concept, c.period_type, c.direction,
       CAST(c.decimals AS INTEGER) AS decimals,
       l.period, l.value, land.value AS land_value, p.rank, p.ranked, p.percentile,
       fst.period AS first_period, fst.value AS first_value, l.value - fst.value AS change
FROM latest l
JOIN catalog c ON c.id = l.indicator
LEFT JOIN totals land ON land.indicator = l.indicator AND land.ags = $land AND land.period = l.period
LEFT JOIN peers p ON p.indicator = l.indicator
LEFT JOIN first fst ON fst.indicator = l.indicator
ORDER BY c.handlungsfeld, c.name
