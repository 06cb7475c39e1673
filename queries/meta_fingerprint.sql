-- The fingerprint of the data/ files this database was built from.  Parameters: none.
SELECT value FROM meta WHERE key = 'fingerprint'
