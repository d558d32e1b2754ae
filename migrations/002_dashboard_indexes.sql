-- The dashboard's figures per monitor (uptime, p95, sparkline, state) read the
-- finished runs of the last 7 days; this partial index covers them, so the
-- aggregate is an index-only scan in monitor order (no heap fetch, no sort)
-- and the newest runs of a monitor are a short backward scan. The EXPLAIN
-- plans before and after are in docs/performance.md.
CREATE INDEX runs_monitor_finished_idx ON runs (monitor_id, queued_at, id)
    INCLUDE (status, duration_ms, finished_at, collection_id, location)
    WHERE status IN ('passed', 'failed', 'errored');

---- create above / drop below ----

DROP INDEX runs_monitor_finished_idx;
