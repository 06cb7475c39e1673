-- Two indicators for every district of the scope, paired in the same year: the latest year up to $year in which
-- both have district values (each district's last Stichtag in that year).  Only when no year has both, each
-- indicator's latest Stichtag up to $year (then the years differ: x_year, y_year say so).
-- Parameters: $x, $y (indicator ids), $scope ('DG' or a 2-digit Land code), $year.
-- @param scope TEXT = '08'
-- @param x TEXT = 'auslaenderanteil'
-- @param y TEXT = 'arbeitslosenquote_auslaender'
-- @param year INTEGER = 2023
WITH scope AS (
    SELECT ags, label, type FROM districts WHERE $scope = 'DG' OR land_ags = $scope
),
valued AS (
    SELECT f.indicator, f.ags, f.value, f.period, f.year
    FROM facts f JOIN scope USING (ags)
    WHERE f.indicator IN ($x, $y) AND f.category = '' AND f.year <= $year AND f.value IS NOT NULL
),
common AS (
    SELECT max(year) AS year
    FROM (SELECT year FROM valued GROUP BY year HAVING count(DISTINCT indicator) = 2)
),
latest AS (
    SELECT v.*, row_number() OVER (PARTITION BY v.indicator, v.ags ORDER BY v.period DESC) AS newest
    FROM valued v
    WHERE v.year = (SELECT year FROM common) OR (SELECT year FROM common) IS NULL
)
SELECT s.ags, s.label AS name, s.type, x.value AS x, x.period AS x_period, x.year AS x_year,
       y.value AS y, y.period AS y_period, y.year AS y_year
FROM scope s
JOIN latest x ON x.ags = s.ags AND x.indicator = $x AND x.newest = 1
JOIN latest y ON y.ags = s.ags AND y.indicator = $y AND y.newest = 1
ORDER BY s.label
