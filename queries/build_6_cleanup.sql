-- Build step 6: drop the intermediate tables of steps 1–2 (their content lives on in facts_all).
-- Parameters: none.
DROP TABLE derived
