-- Stats and retention (issue 12): per-monitor Apdex threshold, SLO target and
-- retention; runs a user pinned; hourly rollups of runs and steps that keep
-- long windows fast after raw rows are pruned.

ALTER TABLE monitors
    ADD COLUMN apdex_t_ms             integer NOT NULL DEFAULT 500 CHECK (apdex_t_ms BETWEEN 1 AND 600000),
    ADD COLUMN slo_target             double precision NOT NULL DEFAULT 0.999 CHECK (slo_target > 0 AND slo_target < 1),
    -- Step response bodies and headers, step timings (the step rows), run summaries.
    ADD COLUMN retention_bodies_days  integer NOT NULL DEFAULT 14 CHECK (retention_bodies_days >= 1),
    ADD COLUMN retention_timings_days integer NOT NULL DEFAULT 90 CHECK (retention_timings_days >= 3),
    ADD COLUMN retention_runs_days    integer NOT NULL DEFAULT 400 CHECK (retention_runs_days >= 3),
    ADD CONSTRAINT monitors_retention_order CHECK (
        retention_bodies_days <= retention_timings_days AND retention_timings_days <= retention_runs_days);

-- A pinned run is never pruned (nor is a manual one). prune_level is how far
-- retention has gone: 0 whole, 1 step bodies and headers dropped, 2 step rows
-- deleted (the run summary stays until it is deleted itself).
ALTER TABLE runs
    ADD COLUMN pinned boolean NOT NULL DEFAULT false,
    ADD COLUMN prune_level smallint NOT NULL DEFAULT 0 CHECK (prune_level BETWEEN 0 AND 2);

-- Retention walks each level's oldest prunable runs; pinned and manual runs
-- are not in the index, so they are never scanned again.
CREATE INDEX runs_prune_idx ON runs (prune_level, queued_at, id)
    WHERE NOT pinned AND trigger <> 'manual' AND status IN ('passed', 'failed', 'errored', 'missed', 'cancelled');

-- catena_latency_bucket maps a latency in milliseconds to one of 150 buckets
-- growing by 10%: bucket b holds [1.1^b, 1.1^(b+1)) ms (bucket 0 also holds
-- everything under 1.1 ms, bucket 149 everything above ~27 minutes). A
-- percentile read from merged buckets is the bucket's geometric middle: within
-- 5% of the exact value for latencies over ~1 ms.
CREATE FUNCTION catena_latency_bucket(ms double precision) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN least(149, greatest(0, floor(ln(greatest(ms, 1)) / ln(1.1))::integer));

-- The representative latency of a bucket (ms).
CREATE FUNCTION catena_latency_bucket_ms(b integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN b = 0 THEN 0.55 ELSE power(1.1, b + 0.5) END;

-- One row per monitor × collection × location × hour (by queued_at) of runs
-- that ended. satisfied/tolerating use the monitor's Apdex T at roll-up time.
-- latency_buckets/latency_counts are a sparse histogram of the executed
-- (passed, failed, errored) runs' durations: latency_counts[i] runs fell in
-- bucket latency_buckets[i].
CREATE TABLE run_rollups (
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

-- One row per monitor × collection × location × step name × hour of executed
-- (not skipped) steps; phase sums in microseconds.
CREATE TABLE step_rollups (
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
    PRIMARY KEY (monitor_id, bucket_start, collection_id, location, step_name)
);

-- Hours before done_until are rolled up; stats read rollups before it and raw
-- rows from it on.
CREATE TABLE rollup_progress (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    done_until timestamptz NOT NULL
);

---- create above / drop below ----

DROP TABLE rollup_progress;
DROP TABLE step_rollups;
DROP TABLE run_rollups;
DROP FUNCTION catena_latency_bucket_ms(integer);
DROP FUNCTION catena_latency_bucket(double precision);
DROP INDEX runs_prune_idx;
ALTER TABLE runs DROP COLUMN prune_level, DROP COLUMN pinned;
ALTER TABLE monitors
    DROP CONSTRAINT monitors_retention_order,
    DROP COLUMN retention_runs_days,
    DROP COLUMN retention_timings_days,
    DROP COLUMN retention_bodies_days,
    DROP COLUMN slo_target,
    DROP COLUMN apdex_t_ms;
