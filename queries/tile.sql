-- Key figure of one indicator for one district: the latest value, the change since the previous and since the
-- first available value (in the chosen period), and the Land's value at the same Stichtag.
-- Parameters: $indicator, $ags, $land, $category, $year_from, $year_to.
-- Returns at most one row; NULL columns where a comparison value is missing.
-- @param indicator TEXT = 'arbeitslosenquote_auslaender'
-- @param ags TEXT = '08216'
-- @param category TEXT = ''
-- @param year_from INTEGER = 1995
-- @param year_to INTEGER = 2025
-- @param land TEXT = '08'
WITH own AS (
    SELECT period, year, value, flag, source, stand, basis
    FROM facts
    WHERE indicator = $indicator AND ags = $ags AND category = $category AND value IS NOT NULL
      AND year BETWEEN $year_from AND $year_to
),
ordered AS (
    SELECT *, row_number() OVER (ORDER BY period DESC) AS newest, row_number() OVER (ORDER BY period) AS oldest
    FROM own
)
SELECT latest.period, latest.year, latest.value, latest.source, latest.stand, latest.basis,
       previous.period AS previous_period, previous.value AS previous_value,
       first.period AS first_period, first.value AS first_value,
       land.value AS land_value, land.flag AS land_flag,
       (SELECT count(*) FROM own) AS n_values
FROM ordered latest
LEFT JOIN ordered previous ON previous.newest = 2
LEFT JOIN ordered first ON first.oldest = 1 AND first.newest > 1
LEFT JOIN facts land
       ON land.indicator = $indicator AND land.ags = $land AND land.category = $category AND land.period = latest.period
WHERE latest.newest = 1
