-- Daily rollups and phase histograms (issue 12): long stats windows read one
-- row per day instead of 24, and steps get per-phase percentiles.

-- Histograms of the step phases (same buckets as latency_buckets), for
-- per-phase percentiles; NULL in hours rolled up before this migration.
ALTER TABLE step_rollups
    ADD COLUMN dns_buckets        smallint[],
    ADD COLUMN dns_counts         integer[],
    ADD COLUMN connect_buckets    smallint[],
    ADD COLUMN connect_counts     integer[],
    ADD COLUMN tls_buckets        smallint[],
    ADD COLUMN tls_counts         integer[],
    ADD COLUMN first_byte_buckets smallint[],
    ADD COLUMN first_byte_counts  integer[];

-- Daily rollups, rolled from the final hourly ones (UTC days), same columns
-- in the same order so a query can read either.
CREATE TABLE run_rollups_daily (
    bucket_start    timestamptz NOT NULL,
    monitor_id      bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    collection_id   bigint NOT NULL,
    location        text NOT NULL,
    runs            integer NOT NULL,
    passed          integer NOT NULL,
    failed          integer NOT NULL,
    errored         integer NOT NULL,
    missed          integer NOT NULL,
    cancelled       integer NOT NULL,
    satisfied       integer NOT NULL,
    tolerating      integer NOT NULL,
    duration_ms_sum bigint NOT NULL,
    latency_buckets smallint[] NOT NULL,
    latency_counts  integer[] NOT NULL,
    PRIMARY KEY (monitor_id, bucket_start, collection_id, location)
);

CREATE TABLE step_rollups_daily (
    bucket_start      timestamptz NOT NULL,
    monitor_id        bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    collection_id     bigint NOT NULL,
    location          text NOT NULL,
    step_name         text NOT NULL,
    executed          integer NOT NULL,
    passed            integer NOT NULL,
    failed            integer NOT NULL,
    errored           integer NOT NULL,
    total_us_sum      bigint NOT NULL,
    dns_us_sum        bigint NOT NULL,
    connect_us_sum    bigint NOT NULL,
    tls_us_sum        bigint NOT NULL,
    first_byte_us_sum bigint NOT NULL,
    latency_buckets   smallint[] NOT NULL,
    latency_counts    integer[] NOT NULL,
    dns_buckets        smallint[],
    dns_counts         integer[],
    connect_buckets    smallint[],
    connect_counts     integer[],
    tls_buckets        smallint[],
    tls_counts         integer[],
    first_byte_buckets smallint[],
    first_byte_counts  integer[],
    PRIMARY KEY (monitor_id, bucket_start, collection_id, location, step_name)
);

-- Rolling up replaces an hour of all monitors and merges days of hours: by
-- time, not monitor.
CREATE INDEX run_rollups_time_idx ON run_rollups (bucket_start);

-- Days before daily_until are in the daily tables (never past done_until).
ALTER TABLE rollup_progress ADD COLUMN daily_until timestamptz;

---- create above / drop below ----

ALTER TABLE rollup_progress DROP COLUMN daily_until;
DROP INDEX run_rollups_time_idx;
ALTER TABLE step_rollups
    DROP COLUMN dns_buckets, DROP COLUMN dns_counts, DROP COLUMN connect_buckets, DROP COLUMN connect_counts,
    DROP COLUMN tls_buckets, DROP COLUMN tls_counts, DROP COLUMN first_byte_buckets, DROP COLUMN first_byte_counts;
DROP TABLE step_rollups_daily;
DROP TABLE run_rollups_daily;
