-- The auditor of docs/reliability.md: every row is one
-- broken invariant. Columns: invariant, check, run_id (0: none), attempt
-- (0: none), delivery_id (0: none), detail.
-- $1 is the grace (an interval) a run may stay running past its lease before
-- the sweeper must have re-queued or ended it; $2 how far back to look (runs
-- queued and deliveries created since now() - $2); $3 the alert retry window
-- within which every delivery must end delivered or failed (dead).

WITH recent_runs AS (
    SELECT * FROM runs WHERE queued_at >= now() - $2::interval
), recent_steps AS (
    SELECT s.* FROM step_results s JOIN recent_runs r ON r.id = s.run_id
), recent_deliveries AS (
    SELECT * FROM alert_deliveries WHERE created_at >= now() - $2::interval
)

-- I2: a running run holds a live lease (or one expired less than the grace ago).
SELECT 'I2' AS invariant, 'expired_lease' AS check_name, r.id AS run_id, r.attempt, 0::bigint AS delivery_id,
       CASE WHEN r.lease_expires_at IS NULL THEN 'running without a lease'
            ELSE format('running with a lease that expired at %s', r.lease_expires_at) END AS detail
FROM recent_runs r
WHERE r.status = 'running' AND (r.lease_expires_at IS NULL OR r.lease_expires_at < now() - $1::interval)

UNION ALL
-- I1: a final run says when it ended and holds no lease.
SELECT 'I1', 'final_without_finished_at', r.id, r.attempt, 0, format('%s run has no finished_at', r.status)
FROM recent_runs r
WHERE r.status NOT IN ('queued', 'running') AND r.finished_at IS NULL

UNION ALL
SELECT 'I1', 'final_with_lease', r.id, r.attempt, 0, format('%s run still holds a lease until %s', r.status, r.lease_expires_at)
FROM recent_runs r
WHERE r.status NOT IN ('queued', 'running') AND r.lease_expires_at IS NOT NULL

UNION ALL
-- I1: one run per scheduled slot (monitor, collection, location, scheduled_for).
SELECT 'I1', 'duplicate_slot', min(r.id), 0, 0,
       format('%s runs for monitor %s, collection %s, location %s, slot %s: %s',
              count(*), r.monitor_id, coalesce(r.collection_id::text, 'deleted'), r.location, r.scheduled_for,
              string_agg(r.id::text, ', ' ORDER BY r.id))
FROM recent_runs r
WHERE r.monitor_id IS NOT NULL AND r.scheduled_for IS NOT NULL
GROUP BY r.monitor_id, r.collection_id, r.location, r.scheduled_for
HAVING count(*) > 1

UNION ALL
-- I3: the step rows of an attempt are positions 0..k-1 with no gap (the
-- primary key rules out duplicates).
SELECT 'I3', 'step_gap', s.run_id, s.attempt, 0,
       format('%s step rows but the highest position is %s', count(*), max(s.position))
FROM recent_steps s
GROUP BY s.run_id, s.attempt
HAVING max(s.position) + 1 <> count(*)

UNION ALL
-- I3: no step row beyond the snapshot's steps.
SELECT 'I3', 'step_beyond_snapshot', s.run_id, s.attempt, 0,
       format('step row at position %s but the snapshot has %s steps', s.position,
              coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(r.snapshot -> 'steps') = 'array' THEN r.snapshot -> 'steps' END), 0))
FROM recent_steps s JOIN recent_runs r ON r.id = s.run_id
WHERE s.position >= coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(r.snapshot -> 'steps') = 'array' THEN r.snapshot -> 'steps' END), 0)

UNION ALL
-- I3: an interrupted step is where its attempt was cut off: nothing after it.
SELECT 'I3', 'step_after_interrupted', s.run_id, s.attempt, 0,
       format('step %s is interrupted but step %s follows it', s.position, max(n.position))
FROM recent_steps s JOIN step_results n ON n.run_id = s.run_id AND n.attempt = s.attempt AND n.position > s.position
WHERE s.status = 'interrupted'
GROUP BY s.run_id, s.attempt, s.position

UNION ALL
-- I3: a skipped step says why.
SELECT 'I3', 'skipped_without_reason', s.run_id, s.attempt, 0, format('step %s is skipped with no reason', s.position)
FROM recent_steps s
WHERE s.status = 'skipped' AND s.error = ''

UNION ALL
-- I3: a run that passed or failed recorded every step of its attempt.
SELECT 'I3', 'incomplete_result', r.id, r.attempt, 0,
       format('%s run has %s step rows for attempt %s; its snapshot has %s steps', r.status,
              (SELECT count(*) FROM step_results s WHERE s.run_id = r.id AND s.attempt = r.attempt), r.attempt,
              coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(r.snapshot -> 'steps') = 'array' THEN r.snapshot -> 'steps' END), 0))
FROM recent_runs r
WHERE r.status IN ('passed', 'failed')
  AND (SELECT count(*) FROM step_results s WHERE s.run_id = r.id AND s.attempt = r.attempt)
      <> coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(r.snapshot -> 'steps') = 'array' THEN r.snapshot -> 'steps' END), 0)

UNION ALL
-- I6: no step row from an attempt the run never reached (a write that got
-- around the fence).
SELECT 'I6', 'step_from_future_attempt', s.run_id, s.attempt, 0,
       format('%s step rows for attempt %s; the run is at attempt %s', count(*), s.attempt, r.attempt)
FROM recent_steps s JOIN recent_runs r ON r.id = s.run_id
WHERE s.attempt > r.attempt
GROUP BY s.run_id, s.attempt, r.attempt

UNION ALL
-- I4: an incident of a monitor with alert channels was announced: it has a
-- trigger delivery (written in the transaction that opened it).
SELECT 'I4', 'incident_without_trigger', coalesce(i.first_run_id, 0), 0, 0,
       format('incident %s (monitor %s, %s) has no trigger delivery but its monitor has %s channel(s)',
              i.id, i.monitor_id, i.kind, (SELECT count(*) FROM monitor_channels mc WHERE mc.monitor_id = i.monitor_id))
FROM incidents i
WHERE i.opened_at >= now() - $2::interval
  AND EXISTS (SELECT 1 FROM monitor_channels mc JOIN alert_channels c ON c.id = mc.channel_id
              WHERE mc.monitor_id = i.monitor_id AND c.created_at <= i.opened_at)
  AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.incident_id = i.id AND d.event = 'trigger')

UNION ALL
-- I4: every delivery ends delivered or failed (dead) within the retry window.
SELECT 'I4', 'delivery_unfinished', coalesce(i.last_run_id, 0), 0, d.id,
       format('%s delivery to channel %s is still %s after %s attempts (created %s; last error: %s)',
              d.event, d.channel_id, d.status, d.attempts, d.created_at, left(coalesce(nullif(d.last_error, ''), 'none'), 200))
FROM recent_deliveries d LEFT JOIN incidents i ON i.id = d.incident_id
WHERE d.status IN ('pending', 'retrying') AND d.created_at < now() - $3::interval

UNION ALL
-- I4: a dead delivery says why and how often it was tried.
SELECT 'I4', 'dead_without_reason', coalesce(i.last_run_id, 0), 0, d.id,
       format('%s delivery to channel %s failed after %s attempts with no reason recorded', d.event, d.channel_id, d.attempts)
FROM recent_deliveries d LEFT JOIN incidents i ON i.id = d.incident_id
WHERE d.status = 'failed' AND (d.last_error = '' OR d.attempts = 0)

UNION ALL
-- I4: a delivered delivery says when.
SELECT 'I4', 'delivered_without_time', coalesce(i.last_run_id, 0), 0, d.id,
       format('%s delivery to channel %s is delivered but has no delivered_at', d.event, d.channel_id)
FROM recent_deliveries d LEFT JOIN incidents i ON i.id = d.incident_id
WHERE d.status = 'delivered' AND d.delivered_at IS NULL

UNION ALL
-- I5: all messages of one incident carry one dedup key (PagerDuty groups by it;
-- a resolve with another key would leave the page open).
SELECT 'I5', 'dedup_key_mismatch', coalesce(max(i.last_run_id), 0), 0, min(d.id),
       format('incident %s has deliveries with %s dedup keys: %s', d.incident_id,
              count(DISTINCT d.payload ->> 'dedup_key'), string_agg(DISTINCT d.payload ->> 'dedup_key', ', '))
FROM recent_deliveries d JOIN incidents i ON i.id = d.incident_id
WHERE coalesce(d.payload ->> 'dedup_key', '') <> ''
GROUP BY d.incident_id
HAVING count(DISTINCT d.payload ->> 'dedup_key') > 1

UNION ALL
-- I5: a resolved incident sends its resolve to every channel that got its trigger.
SELECT 'I5', 'resolve_missing', coalesce(i.last_run_id, 0), 0, t.id,
       format('incident %s resolved at %s: channel %s got the trigger but no resolve', i.id, i.resolved_at, t.channel_id)
FROM incidents i JOIN recent_deliveries t ON t.incident_id = i.id AND t.event = 'trigger'
WHERE i.status = 'resolved'
  AND NOT EXISTS (SELECT 1 FROM alert_deliveries r WHERE r.incident_id = i.id AND r.event = 'resolve' AND r.channel_id = t.channel_id)

ORDER BY run_id, attempt, delivery_id, invariant, check_name
