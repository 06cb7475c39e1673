-- The fingerprint of the data/ files this database was built from.  Parameters: none.
-- @params none
SELECT value FROM meta WHERE key = 'fingerprint'
