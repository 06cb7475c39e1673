-- First and last year with any value, for the period filter.  Parameters: none.
-- @params none
SELECT min(year) AS first_year, max(year) AS last_year FROM facts WHERE value IS NOT NULL
