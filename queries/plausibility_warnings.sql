-- Plausibility warnings of one district (or all: $ags NULL), for Daten & Methodik and the charts' marks.
-- Returns ags, region name, indicator and its name, category, period, rule, message.
-- @param ags TEXT = '08216'
SELECT p.ags, coalesce(r.label, p.ags) AS region, p.indicator, c.name AS indicator_name, p.category, p.period,
       p.rule, p.message
FROM plausibility p
LEFT JOIN regions r USING (ags)
LEFT JOIN catalog c ON c.id = p.indicator
WHERE $ags IS NULL OR p.ags = $ags
ORDER BY p.ags, c.handlungsfeld, p.indicator, p.period
