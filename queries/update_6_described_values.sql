-- Preview of a description: the values a described indicator gets (monitoring/describe.py), per region and
-- Stichtag: its numerator, its denominator (if any) and the result, current values and totals only (category ''),
-- so a description can be checked (common regions and Stichtage, a share over 100 %) and shown before anything is
-- written.
-- Run on the database the preview builds with the description in its catalogue (monitoring/updates.py).
-- Parameters: $indicator = the described indicator, $numerator = its numerator's id (the indicator itself for a
-- count), $denominator = its denominator's id or NULL.  Values in the indicators' own units.
-- @param indicator TEXT = 'arbeitslosenquote_auslaender'
-- @param numerator TEXT = 'arbeitslose_auslaender'
-- @param denominator TEXT = 'arbeitslose'
WITH n AS (
    SELECT ags, period, value, flag FROM facts WHERE indicator = $numerator AND category = ''
),
d AS (
    SELECT ags, period, value, flag FROM facts WHERE $denominator IS NOT NULL AND indicator = $denominator
                                                     AND category = ''
),
s AS (
    SELECT ags, period, value, flag FROM facts WHERE indicator = $indicator AND category = ''
),
pairs AS (
    SELECT coalesce(n.ags, d.ags) AS ags, coalesce(n.period, d.period) AS period,
           n.ags IS NOT NULL AS has_numerator, d.ags IS NOT NULL AS has_denominator,
           n.value AS numerator, n.flag AS numerator_flag, d.value AS denominator, d.flag AS denominator_flag
    FROM n
    FULL OUTER JOIN d ON d.ags = n.ags AND d.period = n.period
)
SELECT p.ags, coalesce(r.label, p.ags) AS region, p.period, p.has_numerator, p.has_denominator,
       p.numerator, p.numerator_flag, p.denominator, p.denominator_flag, s.value, coalesce(s.flag, '') AS flag
FROM pairs p
LEFT JOIN s ON s.ags = p.ags AND s.period = p.period
LEFT JOIN regions r ON r.ags = p.ags
ORDER BY p.ags, p.period
