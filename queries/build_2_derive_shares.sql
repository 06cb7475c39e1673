-- Build step 2: shares and rates computed from imported counts, as the catalogue defines them
-- (kind = 'share': sum of the numerator ids ÷ denominator × factor).
-- A special value in any part makes the share a gap with that part's flag; a missing part leaves no row.
-- denominator_total: every category is divided by the denominator's total (e.g. Schutzsuchende by status ÷ population).
-- numerator_category: only that category of the numerator counts and the result is the total (e.g. ohne Abschluss).
-- min() rather than any_value() where parts may differ (attribution, licence): the same data give the same facts.
-- Parameters: none.  Units: factor 100 = %, 1000 = je 1.000.
-- @params none
CREATE OR REPLACE TABLE derived AS
WITH share AS (
    SELECT id, unnest(string_split(numerator, ',')) AS part, denominator, denominator_total,
           numerator_category, factor, len(string_split(numerator, ',')) AS parts
    FROM catalog
    WHERE kind = 'share'
),
numerator AS (
    SELECT s.id AS indicator, f.ags, f.period,
           CASE WHEN s.numerator_category IS NULL THEN f.breakdown ELSE '' END AS breakdown,
           CASE WHEN s.numerator_category IS NULL THEN f.category ELSE '' END AS category,
           min(f.year) AS year,
           any_value(s.part) AS indicator_source,
           any_value(s.numerator_category) AS numerator_category,
           any_value(s.denominator) AS denominator,
           any_value(s.denominator_total) AS denominator_total,
           any_value(s.factor) AS factor,
           CASE WHEN count(*) = any_value(s.parts) AND count(f.value) = count(*) THEN sum(f.value) END AS value,
           count(*) = any_value(s.parts) AS complete,
           max(f.flag) AS flag,
           string_agg(DISTINCT f.source, '; ' ORDER BY f.source) AS source,
           string_agg(DISTINCT f.basis, '; ' ORDER BY f.basis) AS basis,
           max(f.stand) AS stand,
           min(f.attribution) AS attribution,
           min(f.licence) AS licence
    FROM share s
    JOIN imported_current f
      ON f.indicator = s.part
     AND (s.numerator_category IS NULL OR f.category = s.numerator_category)
    GROUP BY 1, 2, 3, 4, 5
)
SELECT n.ags, n.indicator, n.breakdown, n.category, n.period, n.year,
       CASE WHEN n.value IS NOT NULL AND d.value IS NOT NULL AND d.value <> 0
            THEN n.value / d.value * n.factor END AS value,
       CASE WHEN n.value IS NULL THEN coalesce(nullif(n.flag, ''), '.')
            WHEN d.value IS NULL THEN coalesce(nullif(d.flag, ''), '.')
            WHEN d.value = 0 THEN 'x'
            ELSE '' END AS flag,
       'eigene Berechnung (' || n.basis || ')' AS basis,
       CASE WHEN n.source = d.source THEN n.source ELSE n.source || '; ' || d.source END AS source,
       'berechnet' AS source_file,
       greatest(n.stand, d.stand) AS stand,
       n.licence,
       n.attribution,
       'eigene Berechnung' AS note,
       20 AS priority
FROM numerator n
JOIN imported_current d
  ON d.indicator = n.denominator
 AND d.ags = n.ags
 AND d.period = n.period
 AND d.breakdown = CASE WHEN n.denominator_total THEN '' ELSE n.breakdown END
 AND d.category = CASE WHEN n.denominator_total THEN '' ELSE n.category END
WHERE n.complete
  -- a count divided by its own total is 100 % by construction: only its categories are shares
  AND NOT (n.numerator_category IS NULL AND n.denominator_total AND n.denominator = n.indicator_source
           AND n.category = '')
