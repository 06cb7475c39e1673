-- Years in which an indicator has district values in the region scope (for the year picker).
-- Parameters: $indicator, $scope ('DG' or a 2-digit Land code), $category.
-- @param indicator TEXT = 'arbeitslosenquote_auslaender'
-- @param category TEXT = ''
-- @param scope TEXT = '08'
SELECT DISTINCT f.year
FROM facts f JOIN districts d USING (ags)
WHERE f.indicator = $indicator AND f.category = $category AND f.value IS NOT NULL
  AND ($scope = 'DG' OR d.land_ags = $scope)
ORDER BY f.year
