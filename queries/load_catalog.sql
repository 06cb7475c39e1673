-- Load the indicator catalogue (data/indicators.toml, validated by monitoring/catalog.py and registered as
-- the DataFrame view catalog_frame) into the database, so derived shares can be computed in SQL.
-- Parameters: none.
-- @params none
CREATE TABLE catalog AS SELECT * FROM catalog_frame
