-- Tags on collections and monitors, maintenance windows, mutes, and what the
-- alert policy remembers while it holds notifications back (docs/maintenance.md).

-- Tags are lower-case slugs (collection.ValidateTags); channels can take every
-- monitor carrying one of their target tags.
ALTER TABLE collections ADD COLUMN tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20);
ALTER TABLE monitors ADD COLUMN tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20);
ALTER TABLE alert_channels ADD COLUMN target_tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(target_tags) <= 20);
CREATE INDEX collections_tags_idx ON collections USING gin (tags);
CREATE INDEX monitors_tags_idx ON monitors USING gin (tags);

-- A window is one-off (starts_at, ends_at) or recurring (a 5-field cron read
-- in time_zone, open for duration_s from each fire). It covers the monitors
-- listed in maintenance_window_monitors and every monitor tagged tag.
CREATE TABLE maintenance_windows (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    mode       text NOT NULL DEFAULT 'quiet' CHECK (mode IN ('quiet', 'skip')),
    starts_at  timestamptz,
    ends_at    timestamptz,
    cron       text CHECK (length(cron) <= 200),
    duration_s integer CHECK (duration_s > 0),
    time_zone  text NOT NULL DEFAULT 'UTC',
    tag        text,
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((cron IS NULL AND duration_s IS NULL AND starts_at IS NOT NULL AND ends_at > starts_at)
        OR (cron IS NOT NULL AND duration_s IS NOT NULL AND starts_at IS NULL AND ends_at IS NULL))
);
CREATE INDEX maintenance_windows_tag_idx ON maintenance_windows (tag) WHERE tag IS NOT NULL;

CREATE TABLE maintenance_window_monitors (
    window_id  bigint NOT NULL REFERENCES maintenance_windows (id) ON DELETE CASCADE,
    monitor_id bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    PRIMARY KEY (window_id, monitor_id)
);
CREATE INDEX maintenance_window_monitors_monitor_idx ON maintenance_window_monitors (monitor_id);

-- A mute holds a monitor's notifications (or, with collection_id, one
-- collection's: muting an incident) until a time, like a quiet window.
CREATE TABLE mutes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    monitor_id    bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    collection_id bigint REFERENCES collections (id) ON DELETE CASCADE,
    incident_id   bigint REFERENCES incidents (id) ON DELETE SET NULL,
    muted_until   timestamptz NOT NULL,
    created_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mutes_monitor_idx ON mutes (monitor_id, muted_until);

-- What the policy held back while a window or mute was on: how many failing
-- runs since when, and whether the incident's trigger itself was held (then
-- the channels never heard of it).
ALTER TABLE alert_states
    ADD COLUMN held_since   timestamptz,
    ADD COLUMN held_runs    integer NOT NULL DEFAULT 0,
    ADD COLUMN held_notices integer NOT NULL DEFAULT 0,
    ADD COLUMN held_trigger boolean NOT NULL DEFAULT false,
    ADD COLUMN held_reason  text NOT NULL DEFAULT '';

-- Why a run's alerts were held ("maintenance: NAME", "muted"); NULL when not.
ALTER TABLE runs ADD COLUMN quiet text;

---- create above / drop below ----

ALTER TABLE runs DROP COLUMN quiet;
ALTER TABLE alert_states DROP COLUMN held_reason, DROP COLUMN held_trigger, DROP COLUMN held_notices,
    DROP COLUMN held_runs, DROP COLUMN held_since;
DROP TABLE mutes;
DROP TABLE maintenance_window_monitors;
DROP TABLE maintenance_windows;
DROP INDEX monitors_tags_idx;
DROP INDEX collections_tags_idx;
ALTER TABLE alert_channels DROP COLUMN target_tags;
ALTER TABLE monitors DROP COLUMN tags;
ALTER TABLE collections DROP COLUMN tags;
