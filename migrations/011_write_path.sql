-- The write path at scale (issue 11). Every run stores its collection's
-- snapshot (≈ 5 KB of JSON for a 10-step chain), and a step's response body
-- can reach 64 KiB: Postgres compresses such values with pglz by default,
-- which measured ≈ 3× the CPU of lz4 per scheduled run's insert (10,000
-- runs due in one minute are 10,000 snapshots compressed). lz4 applies to
-- values written from now on; rows already stored keep theirs, and both
-- read back alike. A server built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE runs ALTER COLUMN snapshot SET COMPRESSION lz4;
    ALTER TABLE step_results ALTER COLUMN response_body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available on this server; snapshots stay compressed with pglz';
END
$$;

---- create above / drop below ----

ALTER TABLE runs ALTER COLUMN snapshot SET COMPRESSION default;
ALTER TABLE step_results ALTER COLUMN response_body SET COMPRESSION default;
