-- Build step 5: every region a chart can name — Germany, the Länder and the current districts — with its level.
-- Districts get their unique label ("Karlsruhe (Landkreis)") so two districts of the same name stay apart.
-- Parameters: none.
-- @params none
CREATE OR REPLACE TABLE regions AS
SELECT ags, name, name AS label, CASE WHEN ags = 'DG' THEN 'Deutschland' ELSE 'Land' END AS level,
       CASE WHEN ags = 'DG' THEN 'DG' ELSE ags END AS land_ags, '' AS type
FROM laender
UNION ALL
SELECT ags, name, label, 'Kreis' AS level, land_ags, type
FROM districts
