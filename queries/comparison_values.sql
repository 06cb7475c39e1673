-- Every district of the region scope with its value of one indicator at one Stichtag, for map and ranking:
-- the latest Stichtag in $year at which any district of the scope has a value (falls back to the latest
-- year before, if $year has none).  Districts without a value stay in the list (value NULL, flag if any).
-- rank follows the indicator's direction (catalog): 1 = lowest value for lower_better, else 1 = highest; ties
-- share a rank; percentile: share of districts with a lower value (0–100).  Rows stay ordered by value, highest first.
-- Germany and the Länder are never ranked: only current 5-digit districts take part.
-- Parameters: $indicator, $scope ('DG' = all of Germany, else a 2-digit Land code), $category, $year.
-- @param scope TEXT = '08'
-- @param indicator TEXT = 'arbeitslosenquote_auslaender'
-- @param category TEXT = ''
-- @param year INTEGER = 2023
WITH direction AS (
    SELECT coalesce(max(direction), 'neutral') AS direction FROM catalog WHERE id = $indicator
),
scope AS (
    SELECT ags, label, land_ags FROM districts WHERE $scope = 'DG' OR land_ags = $scope
),
chosen AS (
    SELECT max(f.period) AS period
    FROM facts f JOIN scope USING (ags)
    WHERE f.indicator = $indicator AND f.category = $category AND f.year <= $year AND f.value IS NOT NULL
),
values_at AS (
    SELECT f.ags, f.value, f.flag, f.period, f.year, f.source, f.stand, f.basis, f.attribution
    FROM facts f JOIN chosen USING (period)
    WHERE f.indicator = $indicator AND f.category = $category
)
SELECT s.ags, s.label AS name, s.land_ags, (SELECT period FROM chosen) AS period, v.year, v.value,
       coalesce(v.flag, '') AS flag, v.source, v.stand, v.basis, v.attribution,
       CASE WHEN v.value IS NULL THEN NULL
            WHEN (SELECT direction FROM direction) = 'lower_better' THEN rank() OVER (ORDER BY v.value ASC NULLS LAST)
            ELSE rank() OVER (ORDER BY v.value DESC NULLS LAST) END AS rank,
       CASE WHEN v.value IS NOT NULL
            THEN 100.0 * (count(v.value) OVER (ORDER BY v.value ASC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                          - count(v.value) OVER (PARTITION BY v.value))
                 / nullif(count(v.value) OVER () - 1, 0) END AS percentile,
       count(v.value) OVER () AS ranked
FROM scope s
LEFT JOIN values_at v USING (ags)
ORDER BY v.value DESC NULLS LAST, s.label
