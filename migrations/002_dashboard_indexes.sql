-- The dashboard's figures per monitor (uptime, p95, sparkline, state) read the
-- finished runs of the last 7 days, and the history lists a monitor's runs
-- newest first. One index serves both: it replaces runs_monitor_time_idx with
-- the same keys (scanned backward for newest first) plus the columns the
-- figures read, so the aggregate is an index-only scan in monitor order (no
-- heap fetch, no sort) while a run write still updates as many indexes as
-- before. The EXPLAIN plans are in docs/performance.md.
CREATE INDEX runs_monitor_time_cover_idx ON runs (monitor_id, queued_at, id)
    INCLUDE (status, duration_ms, finished_at);
DROP INDEX runs_monitor_time_idx;

---- create above / drop below ----

CREATE INDEX runs_monitor_time_idx ON runs (monitor_id, queued_at DESC, id DESC);
DROP INDEX runs_monitor_time_cover_idx;
