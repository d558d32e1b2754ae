-- Every statement that inserts runs now sets collection_version itself
-- (internal/store: InsertRun, InsertScheduledRuns, InsertMissedRuns): the
-- scheduler's batch looks each collection's latest version up once, and a
-- retry takes the version of the run it retries. The row trigger of
-- migration 008 ran for each of the 10,000 runs a slot can insert, and
-- rebuilt each row with its snapshot (issue 11, docs/performance.md).

DROP TRIGGER runs_collection_version ON runs;
DROP FUNCTION runs_collection_version();

---- create above / drop below ----

CREATE FUNCTION runs_collection_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.collection_id IS NOT NULL AND NEW.collection_version IS NULL THEN
        NEW.collection_version := (
            SELECT v.version FROM object_versions v
            WHERE v.object_type = 'collection' AND v.object_id = NEW.collection_id
            ORDER BY v.version DESC LIMIT 1);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER runs_collection_version BEFORE INSERT ON runs
    FOR EACH ROW EXECUTE FUNCTION runs_collection_version();
