-- EventBridge mode: the outbox of monitor schedules. A monitor change writes
-- (or bumps) its row in the transaction that writes the monitor, together
-- with a River job that makes AWS match; the job marks the generation it
-- applied. There is no foreign key to monitors: the row of a deleted monitor
-- is what gets its schedule deleted, and it goes once that is done.
CREATE TABLE schedule_sync (
    monitor_id        bigint PRIMARY KEY,
    generation        bigint NOT NULL DEFAULT 1 CHECK (generation >= 1),
    synced_generation bigint NOT NULL DEFAULT 0,
    state             text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'synced', 'failed')),
    attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error        text NOT NULL DEFAULT '' CHECK (length(last_error) <= 1000),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    synced_at         timestamptz
);
CREATE INDEX schedule_sync_unsynced_idx ON schedule_sync (updated_at) WHERE state <> 'synced';

---- create above / drop below ----

DROP TABLE schedule_sync;
