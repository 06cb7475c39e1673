-- One indicator split by a breakdown (sex, nationality, age, status, qualification …) for several regions,
-- at the latest Stichtag up to $year_to at which the focus district has a value for that breakdown.
-- Parameters: $indicator, $breakdown, $regions (list of AGS; the first is the focus district), $year_to.
-- @param indicator TEXT = 'arbeitslosenquote_auslaender'
-- @param breakdown TEXT = 'Schulart'
-- @param regions TEXT[] = ['08216', '08', 'DG']
-- @param year_to INTEGER = 2025
WITH latest AS (
    SELECT max(period) AS period
    FROM facts
    WHERE indicator = $indicator AND breakdown = $breakdown AND ags = $regions[1] AND year <= $year_to
)
SELECT f.ags, r.label AS name, f.category, f.period, f.year, f.value, f.flag, f.source, f.stand, f.basis, f.attribution
FROM facts f
JOIN latest USING (period)
JOIN regions r USING (ags)
WHERE f.indicator = $indicator AND f.breakdown = $breakdown AND list_contains($regions, f.ags)
ORDER BY list_position($regions, f.ags), f.category
