-- Structural characteristics of every district of the scope, for finding comparable districts:
-- each at its latest Stichtag up to $year.  Population density uses the BKG area (districts.area_km2).
-- Parameters: $scope ('DG' or a 2-digit Land code), $year.
-- @param scope TEXT = '08'
-- @param year INTEGER = 2023
WITH scope AS (
    SELECT ags, label, type, CAST(area_km2 AS DOUBLE) AS area_km2
    FROM districts WHERE $scope = 'DG' OR land_ags = $scope
),
latest AS (
    SELECT t.indicator, t.ags, t.value,
           row_number() OVER (PARTITION BY t.indicator, t.ags ORDER BY t.period DESC) AS newest
    FROM totals t
    WHERE t.is_district AND ($scope = 'DG' OR t.land_ags = $scope) AND t.year <= $year AND t.value IS NOT NULL
      AND t.indicator IN ('bevoelkerung', 'auslaenderanteil', 'arbeitslosenquote', 'auslaenderanteil_svb_ao',
                          'svb_ao', 'einbuergerungsquote', 'schutzsuchende_je_1000')
),
wide AS (
    SELECT ags,
           any_value(value) FILTER (WHERE indicator = 'bevoelkerung') AS bevoelkerung,
           any_value(value) FILTER (WHERE indicator = 'auslaenderanteil') AS auslaenderanteil,
           any_value(value) FILTER (WHERE indicator = 'arbeitslosenquote') AS arbeitslosenquote,
           any_value(value) FILTER (WHERE indicator = 'auslaenderanteil_svb_ao') AS auslaenderanteil_svb_ao,
           any_value(value) FILTER (WHERE indicator = 'svb_ao') AS svb_ao,
           any_value(value) FILTER (WHERE indicator = 'einbuergerungsquote') AS einbuergerungsquote,
           any_value(value) FILTER (WHERE indicator = 'schutzsuchende_je_1000') AS schutzsuchende_je_1000
    FROM latest
    WHERE newest = 1
    GROUP BY ags
)
SELECT s.ags, s.label AS name, s.type,
       CASE WHEN s.type IN ('Stadtkreis', 'Kreisfreie Stadt') THEN 1.0 ELSE 0.0 END AS stadtkreis,
       w.bevoelkerung, w.bevoelkerung / s.area_km2 AS dichte, w.auslaenderanteil, w.arbeitslosenquote,
       w.auslaenderanteil_svb_ao, w.svb_ao / w.bevoelkerung * 1000 AS beschaeftigte_je_1000,
       w.einbuergerungsquote, w.schutzsuchende_je_1000
FROM scope s
LEFT JOIN wide w USING (ags)
ORDER BY s.ags
