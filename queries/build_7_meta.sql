-- Build step 7: remember which data/ the database was built from, so a changed data/ triggers a rebuild.
-- Parameters: $fingerprint = sha256 over the input files (monitoring.db.data_fingerprint).
-- @param fingerprint TEXT = '0123abcd'
CREATE TABLE meta AS SELECT 'fingerprint' AS key, $fingerprint AS value
