-- Build step 8: drop the intermediate table of step 2 (its rows live on in facts_all).
-- Parameters: none.
-- @params none
DROP TABLE derived
