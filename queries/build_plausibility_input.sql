-- Input of the build's plausibility check (monitoring/build.py -> monitoring/plausibility.py): every current value
-- with a number (imported and derived shares), with its indicator's unit.  Run on a temporary database built from
-- the freshly built data files, not by monitoring/db.py's build steps.
-- Parameters: none.  Units: as in the catalogue (%, je 1.000 Einw., Personen, ...).
-- @params none
SELECT f.ags, f.indicator, f.breakdown, f.category, f.period, f.year, f.value, k.unit
FROM facts f
JOIN catalog k ON k.id = f.indicator
WHERE f.value IS NOT NULL
ORDER BY f.indicator, f.ags, f.breakdown, f.category, f.period
