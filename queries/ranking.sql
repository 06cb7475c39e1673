-- All districts of a Land for one indicator at the latest Stichtag up to $year_to with values in that Land,
-- ranked (1 = highest value; ties share a rank; districts without a value get no rank).
-- Germany and the Länder are never ranked: only 5-digit district codes of the current Gebietsstand take part.
-- Parameters: $indicator, $land (2-digit AGS, or 'DG' for all of Germany), $category, $year_to.
WITH candidates AS (
    SELECT f.*
    FROM facts f
    JOIN districts d USING (ags)
    WHERE f.indicator = $indicator AND f.category = $category AND f.year <= $year_to
      AND ($land = 'DG' OR d.land_ags = $land)
),
latest AS (
    SELECT max(period) AS period FROM candidates WHERE value IS NOT NULL
)
SELECT c.ags, d.label AS name, c.period, c.year, c.value, c.flag, c.source, c.stand, c.attribution, c.basis,
       CASE WHEN c.value IS NOT NULL THEN rank() OVER (ORDER BY c.value DESC NULLS LAST) END AS rank,
       count(c.value) OVER () AS ranked
FROM candidates c
JOIN latest USING (period)
JOIN districts d USING (ags)
ORDER BY c.value DESC NULLS LAST, d.label
