-- The indicator catalogue for the Daten & Methodik page, with the years and number of districts covered.
-- Parameters: none.
-- @params none
SELECT c.id, c.handlungsfeld, c.name, c.definition, c.unit, c.concept, c.level, c.source, c."table",
       c.direction, c.period_type, c.kind, c.caveats,
       min(f.year) AS first_year, max(f.year) AS last_year,
       count(DISTINCT f.ags) FILTER (WHERE length(f.ags) = 5 AND f.value IS NOT NULL) AS districts
FROM catalog c
LEFT JOIN facts f ON f.indicator = c.id AND f.category = ''
GROUP BY ALL
ORDER BY c.handlungsfeld, c.name
