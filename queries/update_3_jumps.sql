-- Plausibility of an update: new or changed values that jump far outside their series' usual change.
-- A jump: |Δ| to the previous Stichtag of the same series (district, indicator, breakdown, category) is more than
-- 5 × the median |Δ| of that series, and more than a floor: 1 (percentage point) for units in %, 10 otherwise,
-- and 2 % of the previous value.  Only series with at least 3 steps have a usual change to compare with.
-- Parameters: none (reads the temp table changes of update_1_changes.sql).
-- @params none
WITH touched AS (
    SELECT DISTINCT ags, indicator, breakdown, category FROM changes WHERE status IN ('new', 'changed')
),
series AS (
    SELECT f.ags, f.indicator, f.breakdown, f.category, f.period, f.value,
           lag(f.period) OVER w AS previous_period,
           lag(f.value) OVER w AS previous_value,
           f.value - lag(f.value) OVER w AS delta
    FROM facts f
    SEMI JOIN touched t
      ON f.ags = t.ags AND f.indicator = t.indicator AND f.breakdown = t.breakdown AND f.category = t.category
    WHERE f.value IS NOT NULL
    WINDOW w AS (PARTITION BY f.ags, f.indicator, f.breakdown, f.category ORDER BY f.period)
),
usual AS (
    SELECT ags, indicator, breakdown, category, median(abs(delta)) AS usual_change, count(delta) AS steps
    FROM series
    GROUP BY ALL
)
SELECT s.ags, coalesce(r.label, s.ags) AS region, s.indicator, coalesce(k.name, s.indicator) AS indicator_name,
       k.unit, s.category, s.period, s.value, s.previous_period, s.previous_value, s.delta, u.usual_change,
       c.source_file
FROM series s
JOIN usual u USING (ags, indicator, breakdown, category)
JOIN changes c USING (ags, indicator, breakdown, category, period)
LEFT JOIN catalog k ON k.id = s.indicator
LEFT JOIN regions r ON r.ags = s.ags
WHERE c.status IN ('new', 'changed')
  AND u.steps >= 3
  AND abs(s.delta) > 5 * u.usual_change
  AND abs(s.delta) > greatest(CASE WHEN k.unit = '%' THEN 1 ELSE 10 END, 0.02 * abs(s.previous_value))
ORDER BY s.indicator, s.ags, s.period
