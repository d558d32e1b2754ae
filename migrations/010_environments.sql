-- Environments: named variable sets (dev, staging, prod) with their own
-- secrets. An environment belongs to one collection, or (collection_id NULL)
-- is shared by name with every collection; a collection's own environment wins
-- over a shared one of the same name.
CREATE TABLE environments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection_id bigint REFERENCES collections (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9_-]+$' AND length(name) <= 100),
    variables     jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(variables) = 'object'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT environments_collection_name_key UNIQUE NULLS NOT DISTINCT (collection_id, name)
);

-- Sealed exactly like collection_secrets (AES-GCM, bound to the row by its
-- additional data), opened only by the runner.
CREATE TABLE environment_secrets (
    environment_id bigint NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (name ~ '^[A-Za-z0-9_-]+$'),
    ciphertext     bytea NOT NULL,
    key_id         text NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, name)
);

-- The environment a monitor runs each of its collections in ('' for none).
ALTER TABLE monitor_collections ADD COLUMN environment text NOT NULL DEFAULT ''
    CHECK (environment = '' OR (environment ~ '^[A-Za-z0-9_-]+$' AND length(environment) <= 100));

-- Retry before alerting.
ALTER TABLE monitors ADD COLUMN retries integer NOT NULL DEFAULT 0 CHECK (retries BETWEEN 0 AND 5);
ALTER TABLE monitors ADD COLUMN retry_delay_s integer NOT NULL DEFAULT 0 CHECK (retry_delay_s BETWEEN 0 AND 600);
ALTER TABLE monitors ADD COLUMN retry_location text NOT NULL DEFAULT '';

-- Runs record the environment they used and their place in a retry chain:
-- retry_of is the chain's first run, retry_attempt its number (0 for the
-- first), retried marks a run superseded by its retry (it does not count for
-- the alert policy or the dashboard).
ALTER TABLE runs ADD COLUMN environment text NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN retry_of bigint REFERENCES runs (id) ON DELETE SET NULL;
ALTER TABLE runs ADD COLUMN retry_attempt integer NOT NULL DEFAULT 0 CHECK (retry_attempt BETWEEN 0 AND 5);
ALTER TABLE runs ADD COLUMN retried boolean NOT NULL DEFAULT false;
CREATE INDEX runs_retry_of_idx ON runs (retry_of) WHERE retry_of IS NOT NULL;
-- The dashboard counts only the last run of a chain: its covering index
-- carries retried too, so the figures stay an index-only scan.
DROP INDEX runs_monitor_time_cover_idx;
CREATE INDEX runs_monitor_time_cover_idx ON runs (monitor_id, queued_at, id)
    INCLUDE (status, duration_ms, finished_at, retried);
ALTER TABLE runs DROP CONSTRAINT runs_trigger_check;
ALTER TABLE runs ADD CONSTRAINT runs_trigger_check CHECK (trigger IN ('manual', 'schedule', 'cli', 'api', 'retry'));

---- create above / drop below ----

ALTER TABLE runs DROP CONSTRAINT runs_trigger_check;
DELETE FROM runs WHERE trigger = 'retry';
ALTER TABLE runs ADD CONSTRAINT runs_trigger_check CHECK (trigger IN ('manual', 'schedule', 'cli', 'api'));
DROP INDEX runs_monitor_time_cover_idx;
CREATE INDEX runs_monitor_time_cover_idx ON runs (monitor_id, queued_at, id)
    INCLUDE (status, duration_ms, finished_at);
ALTER TABLE runs DROP COLUMN retried, DROP COLUMN retry_attempt, DROP COLUMN retry_of, DROP COLUMN environment;
ALTER TABLE monitors DROP COLUMN retry_location, DROP COLUMN retry_delay_s, DROP COLUMN retries;
ALTER TABLE monitor_collections DROP COLUMN environment;
DROP TABLE environment_secrets;
DROP TABLE environments;
