-- Two indicators for every district of the scope, each at its latest Stichtag up to $year (they may differ).
-- Parameters: $x, $y (indicator ids), $scope ('DG' or a 2-digit Land code), $year.
-- @param scope TEXT = '08'
-- @param x TEXT = 'auslaenderanteil'
-- @param y TEXT = 'arbeitslosenquote_auslaender'
-- @param year INTEGER = 2023
WITH scope AS (
    SELECT ags, label, type FROM districts WHERE $scope = 'DG' OR land_ags = $scope
),
latest AS (
    SELECT f.indicator, f.ags, f.value, f.period,
           row_number() OVER (PARTITION BY f.indicator, f.ags ORDER BY f.period DESC) AS newest
    FROM facts f JOIN scope USING (ags)
    WHERE f.indicator IN ($x, $y) AND f.category = '' AND f.year <= $year AND f.value IS NOT NULL
)
SELECT s.ags, s.label AS name, s.type, x.value AS x, x.period AS x_period, y.value AS y, y.period AS y_period
FROM scope s
JOIN latest x ON x.ags = s.ags AND x.indicator = $x AND x.newest = 1
JOIN latest y ON y.ags = s.ags AND y.indicator = $y AND y.newest = 1
ORDER BY s.label
