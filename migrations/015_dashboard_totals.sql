-- Running totals behind the dashboard card (docs/performance.md, "The
-- dashboard: running totals"). A row holds, for one monitor and an hour
-- boundary `at`, the counts of its finished runs (passed, failed, errored, of
-- a retry chain only the last) queued from monitor_totals_progress.started_at
-- to `at`, and their latency histogram: latency[b + 1] runs fell in
-- catena_latency_bucket b. A window's figures are the difference of two rows
-- (the newest at or before each end) plus the raw runs of the partial hours,
-- whatever the run rate. Rows are written only for hours that had runs; the
-- retention job writes them off the run write path and keeps 8 days.
CREATE TABLE monitor_run_totals (
    monitor_id bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    runs       bigint NOT NULL,
    passed     bigint NOT NULL,
    satisfied  bigint NOT NULL,
    tolerating bigint NOT NULL,
    latency    integer[] NOT NULL,
    PRIMARY KEY (monitor_id, at)
);

-- Pruning finds the rows older than 8 days by time, not monitor.
CREATE INDEX monitor_run_totals_at_idx ON monitor_run_totals (at);

-- Runs queued in [started_at, done_until) are in the totals.
CREATE TABLE monitor_totals_progress (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    started_at timestamptz NOT NULL,
    done_until timestamptz NOT NULL
);

---- create above / drop below ----

DROP TABLE monitor_totals_progress;
DROP TABLE monitor_run_totals;
