-- Each source in the database with its latest Stand (data date), attribution, licence and coverage.
-- Parameters: none.
-- @params none
SELECT source, max(nullif(stand, '')) AS stand, any_value(attribution) AS attribution, any_value(licence) AS licence,
       min(year) AS first_year, max(year) AS last_year, count(*) AS "values"
FROM facts
WHERE source_file <> 'berechnet'
GROUP BY source
ORDER BY source
