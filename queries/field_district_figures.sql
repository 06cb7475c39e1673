-- The indicators of one Handlungsfeld that have values for one district (totals only), with the years they
-- cover: the page's "Neueste Kreisdaten" and its section of the district's own and published figures.
-- own_kind: 'eigene Angabe' (own-figure indicators, table EIGENE), 'veröffentlicht vom Kreis' (a district's own
-- publication), '' (official statistics).  Parameters: $ags, $handlungsfeld.
-- @param ags TEXT = '08216'
-- @param handlungsfeld TEXT = 'Sprache'
SELECT c.id AS indicator, c.name, c.level,
       CASE WHEN c."table" = 'EIGENE' THEN 'eigene Angabe'
            WHEN bool_or(f.basis = 'Veröffentlichung des Kreises') THEN 'veröffentlicht vom Kreis'
            ELSE '' END AS own_kind,
       count(*) AS n_values, min(f.year) AS first_year, max(f.year) AS last_year
FROM facts f
JOIN catalog c ON c.id = f.indicator
WHERE f.ags = $ags AND c.handlungsfeld = $handlungsfeld AND f.category = '' AND f.value IS NOT NULL
GROUP BY c.id, c.name, c.level, c."table"
ORDER BY last_year DESC, c.name
