-- Versions of collections, monitors and alert channels, and the audit log of
-- every mutation (docs/versions-and-audit.md). Not to be confused with the
-- reliability auditor of internal/store/audit.go, which checks run invariants.

-- One row per change of an object, written in the transaction of the change.
-- document is the object in its file form (collection: the Catena YAML file),
-- never a secret value: secrets appear as @<<secrets.NAME>> references and
-- channel settings as placeholders. diff is the unified diff from the
-- previous version's document ("" for the first).
CREATE TABLE object_versions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    object_type   text NOT NULL CHECK (object_type IN ('collection', 'monitor', 'channel')),
    object_id     bigint NOT NULL,
    version       integer NOT NULL CHECK (version >= 1),
    actor_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    -- Who, as shown: "ada@example.com", "ada@example.com (token ci)", "system".
    actor         text NOT NULL,
    summary       text NOT NULL CHECK (length(summary) <= 1000),
    document      text NOT NULL CHECK (octet_length(document) <= 8388608),
    diff          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT object_versions_object_version_key UNIQUE (object_type, object_id, version)
);

-- The run links the collection version it ran: the latest version of its
-- collection when the run is inserted (queued, or recorded missed). A trigger
-- covers every path that inserts runs (manual, scheduled in batches, missed).
ALTER TABLE runs ADD COLUMN collection_version integer;

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

-- Every GraphQL mutation, sign-in and token change, allowed or refused.
-- summary holds the arguments with every secret replaced by ••••.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    actor         text NOT NULL,
    action        text NOT NULL,
    object_type   text NOT NULL DEFAULT '',
    object_id     text NOT NULL DEFAULT '',
    outcome       text NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    -- The error code a refused or failed action got (FORBIDDEN, INVALID, …).
    error_code    text NOT NULL DEFAULT '',
    client_ip     text NOT NULL DEFAULT '',
    summary       jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (octet_length(summary::text) <= 65536)
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, id DESC);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, id DESC);

---- create above / drop below ----

DROP TABLE audit_log;
DROP TRIGGER runs_collection_version ON runs;
DROP FUNCTION runs_collection_version();
ALTER TABLE runs DROP COLUMN collection_version;
DROP TABLE object_versions;
