-- Catena's whole data model. Later migrations add to it; this file is never edited
-- once merged. See docs/data-model.md for the diagram and the ON DELETE choices.

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%' AND length(email) <= 320),
    name          text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    role          text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email)
);

-- Sessions and tokens go with their user; only hashes are stored.
CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    prefix       text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE collections (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX collections_name_idx ON collections (lower(name), id);

-- Steps belong to their collection. Positions are dense (0..n-1) and unique; the
-- unique constraint is deferrable so a move can shift positions in one transaction.
CREATE TABLE steps (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection_id       bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    position            integer NOT NULL CHECK (position >= 0),
    name                text NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_-]*$' AND length(name) <= 200),
    method              text NOT NULL CHECK (method IN ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')),
    url                 text NOT NULL CHECK (length(url) <= 8192),
    headers             jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(headers) = 'object'),
    body                text NOT NULL DEFAULT '' CHECK (length(body) <= 1048576),
    timeout_ms          integer NOT NULL DEFAULT 0 CHECK (timeout_ms BETWEEN 0 AND 300000),
    always_run          boolean NOT NULL DEFAULT false,
    continue_on_failure boolean NOT NULL DEFAULT false,
    retry_attempts      integer CHECK (retry_attempts BETWEEN 1 AND 100),
    retry_interval_ms   integer CHECK (retry_interval_ms BETWEEN 0 AND 300000),
    follow_redirects    boolean NOT NULL DEFAULT true,
    insecure            boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT steps_collection_position_key UNIQUE (collection_id, position) DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT steps_collection_name_key UNIQUE (collection_id, name)
);

CREATE TABLE assertions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    step_id    bigint NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 0),
    source     text NOT NULL CHECK (source IN ('status', 'latency', 'header', 'body', 'text')),
    property   text NOT NULL DEFAULT '',
    comparison text NOT NULL CHECK (comparison IN ('equals', 'not_equals', 'greater_than', 'greater_or_equal',
        'less_than', 'less_or_equal', 'contains', 'not_contains', 'matches', 'exists', 'not_exists',
        'is_empty', 'is_not_empty', 'type_is', 'json_schema')),
    target     text NOT NULL DEFAULT '',
    CONSTRAINT assertions_step_position_key UNIQUE (step_id, position) DEFERRABLE INITIALLY IMMEDIATE
);

CREATE TABLE collection_variables (
    collection_id bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9_-]+$'),
    value         text NOT NULL DEFAULT '',
    PRIMARY KEY (collection_id, name)
);

-- Secret values are AES-GCM ciphertext; key_id names the key for rotation.
CREATE TABLE collection_secrets (
    collection_id bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9_-]+$'),
    ciphertext    bytea NOT NULL,
    key_id        text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection_id, name)
);

CREATE TABLE monitors (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    schedule             text NOT NULL CHECK (length(schedule) BETWEEN 1 AND 200),
    time_zone            text NOT NULL DEFAULT 'UTC',
    enabled              boolean NOT NULL DEFAULT true,
    locations            text[] NOT NULL DEFAULT ARRAY['local'] CHECK (cardinality(locations) BETWEEN 1 AND 50),
    failure_threshold    integer NOT NULL DEFAULT 2 CHECK (failure_threshold BETWEEN 1 AND 100),
    recovery_enabled     boolean NOT NULL DEFAULT true,
    recovery_threshold   integer NOT NULL DEFAULT 1 CHECK (recovery_threshold BETWEEN 1 AND 100),
    reminder_interval_s  integer NOT NULL DEFAULT 0 CHECK (reminder_interval_s >= 0),
    errored_mode         text NOT NULL DEFAULT 'as_failure' CHECK (errored_mode IN ('as_failure', 'separate', 'ignore')),
    min_failed_locations integer NOT NULL DEFAULT 1 CHECK (min_failed_locations >= 1),
    next_run_at          timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- The scheduler claims due monitors through this index.
CREATE INDEX monitors_due_idx ON monitors (next_run_at) WHERE enabled;

CREATE TABLE monitor_collections (
    monitor_id    bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    collection_id bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    position      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (monitor_id, collection_id)
);
CREATE INDEX monitor_collections_collection_idx ON monitor_collections (collection_id);

-- Channel configuration (URLs, keys, passwords) is AES-GCM ciphertext of a JSON object.
CREATE TABLE alert_channels (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    type              text NOT NULL CHECK (type IN ('email', 'slack', 'pagerduty', 'discord', 'webhook')),
    config_ciphertext bytea NOT NULL,
    key_id            text NOT NULL,
    last_error        text NOT NULL DEFAULT '',
    last_error_at     timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE monitor_channels (
    monitor_id bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    channel_id bigint NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    PRIMARY KEY (monitor_id, channel_id)
);
CREATE INDEX monitor_channels_channel_idx ON monitor_channels (channel_id);

-- Runs outlive their collection and monitor: history stays readable (the snapshot
-- holds the collection as it ran) and the foreign keys become NULL.
CREATE TABLE runs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection_id    bigint REFERENCES collections (id) ON DELETE SET NULL,
    monitor_id       bigint REFERENCES monitors (id) ON DELETE SET NULL,
    collection_name  text NOT NULL,
    location         text NOT NULL DEFAULT 'local',
    trigger          text NOT NULL CHECK (trigger IN ('manual', 'schedule', 'cli', 'api')),
    status           text NOT NULL CHECK (status IN ('queued', 'running', 'passed', 'failed', 'errored', 'missed', 'cancelled')),
    snapshot         jsonb NOT NULL,
    idempotency_key  text NOT NULL,
    scheduled_for    timestamptz,
    queued_at        timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    duration_ms      bigint CHECK (duration_ms >= 0),
    error            text NOT NULL DEFAULT '',
    attempt          integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    lease_expires_at timestamptz,
    -- Set by CancelRun on a running run; the runner polls it and stops.
    cancel_requested boolean NOT NULL DEFAULT false,
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT runs_idempotency_key_key UNIQUE (idempotency_key),
    CONSTRAINT runs_final_has_finished CHECK (status IN ('queued', 'running') OR finished_at IS NOT NULL),
    CONSTRAINT runs_finish_after_start CHECK (finished_at IS NULL OR started_at IS NULL OR finished_at >= started_at)
);
CREATE INDEX runs_collection_time_idx ON runs (collection_id, queued_at DESC, id DESC);
CREATE INDEX runs_monitor_time_idx ON runs (monitor_id, queued_at DESC, id DESC);
CREATE INDEX runs_status_time_idx ON runs (status, queued_at DESC, id DESC);
CREATE INDEX runs_time_idx ON runs (queued_at DESC, id DESC);
CREATE INDEX runs_active_idx ON runs (monitor_id, collection_id, location) WHERE status IN ('queued', 'running');

-- One row per step per attempt: (run, attempt, position) is unique, so a retried
-- write is an upsert and a rescued attempt never mixes with the one before.
CREATE TABLE step_results (
    run_id             bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    attempt            integer NOT NULL CHECK (attempt >= 1),
    position           integer NOT NULL CHECK (position >= 0),
    name               text NOT NULL,
    status             text NOT NULL CHECK (status IN ('passed', 'failed', 'errored', 'skipped', 'interrupted')),
    error_code         text NOT NULL DEFAULT '',
    error              text NOT NULL DEFAULT '',
    request            jsonb NOT NULL DEFAULT '{}'::jsonb,
    response_status    integer,
    response_headers   jsonb,
    response_body      text CHECK (length(response_body) <= 65536),
    response_truncated boolean NOT NULL DEFAULT false,
    response_size      bigint,
    dns_us             bigint NOT NULL DEFAULT 0,
    connect_us         bigint NOT NULL DEFAULT 0,
    tls_us             bigint NOT NULL DEFAULT 0,
    first_byte_us      bigint NOT NULL DEFAULT 0,
    total_us           bigint NOT NULL DEFAULT 0,
    trace_id           text NOT NULL DEFAULT '',
    tries              integer NOT NULL DEFAULT 0,
    insecure           boolean NOT NULL DEFAULT false,
    started_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, attempt, position)
);

CREATE TABLE assertion_results (
    run_id        bigint NOT NULL,
    attempt       integer NOT NULL,
    step_position integer NOT NULL,
    position      integer NOT NULL,
    source        text NOT NULL,
    property      text NOT NULL DEFAULT '',
    comparison    text NOT NULL,
    target        text NOT NULL DEFAULT '',
    expected      text NOT NULL DEFAULT '',
    actual        text NOT NULL DEFAULT '',
    passed        boolean NOT NULL,
    reason        text NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, attempt, step_position, position),
    FOREIGN KEY (run_id, attempt, step_position) REFERENCES step_results (run_id, attempt, position) ON DELETE CASCADE
);

-- Alerting: per monitor+collection counters the policy reads, incidents, the runs
-- in each, and one delivery row per message per channel (the outbox).
CREATE TABLE alert_states (
    monitor_id           bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    collection_id        bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    consecutive_failures integer NOT NULL DEFAULT 0,
    consecutive_errors   integer NOT NULL DEFAULT 0,
    consecutive_passes   integer NOT NULL DEFAULT 0,
    last_status          text NOT NULL DEFAULT '',
    failing_since        timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (monitor_id, collection_id)
);

CREATE TABLE incidents (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    monitor_id       bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    collection_id    bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    kind             text NOT NULL DEFAULT 'failure' CHECK (kind IN ('failure', 'errored')),
    status           text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    summary          text NOT NULL DEFAULT '',
    opened_at        timestamptz NOT NULL DEFAULT now(),
    acknowledged_at  timestamptz,
    resolved_at      timestamptz,
    last_notified_at timestamptz,
    first_run_id     bigint REFERENCES runs (id) ON DELETE SET NULL,
    last_run_id      bigint REFERENCES runs (id) ON DELETE SET NULL,
    CONSTRAINT incidents_resolved_has_time CHECK (status <> 'resolved' OR resolved_at IS NOT NULL)
);
-- At most one open incident per monitor, collection and kind.
CREATE UNIQUE INDEX incidents_one_open_idx ON incidents (monitor_id, collection_id, kind) WHERE status <> 'resolved';
CREATE INDEX incidents_time_idx ON incidents (opened_at DESC, id DESC);

CREATE TABLE incident_runs (
    incident_id bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    run_id      bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, run_id)
);

CREATE TABLE alert_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id     bigint REFERENCES incidents (id) ON DELETE CASCADE,
    channel_id      bigint NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    event           text NOT NULL CHECK (event IN ('trigger', 'resolve', 'reminder', 'test')),
    status          text NOT NULL CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      text NOT NULL DEFAULT '',
    payload         jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz,
    delivered_at    timestamptz
);
CREATE INDEX alert_deliveries_incident_idx ON alert_deliveries (incident_id, id);
CREATE INDEX alert_deliveries_channel_idx ON alert_deliveries (channel_id, created_at DESC);
CREATE INDEX alert_deliveries_time_idx ON alert_deliveries (created_at DESC, id DESC);

---- create above / drop below ----

DROP TABLE alert_deliveries;
DROP TABLE incident_runs;
DROP TABLE incidents;
DROP TABLE alert_states;
DROP TABLE assertion_results;
DROP TABLE step_results;
DROP TABLE runs;
DROP TABLE monitor_channels;
DROP TABLE alert_channels;
DROP TABLE monitor_collections;
DROP TABLE monitors;
DROP TABLE collection_secrets;
DROP TABLE collection_variables;
DROP TABLE assertions;
DROP TABLE steps;
DROP TABLE collections;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
