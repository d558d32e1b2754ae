-- The auditor of docs/reliability.md: every row is one broken invariant.
-- Columns: invariant, check, run_id (0: none), attempt (0: none), detail.
-- $1 is the grace (an interval) a run may stay running past its lease before
-- the sweeper must have re-queued or ended it.

-- I2: a running run holds a live lease (or one expired less than the grace ago).
SELECT 'I2' AS invariant, 'expired_lease' AS check_name, r.id AS run_id, r.attempt,
       CASE WHEN r.lease_expires_at IS NULL THEN 'running without a lease'
            ELSE format('running with a lease that expired at %s', r.lease_expires_at) END AS detail
FROM runs r
WHERE r.status = 'running' AND (r.lease_expires_at IS NULL OR r.lease_expires_at < now() - $1::interval)

UNION ALL
-- I1: a final run says when it ended and holds no lease.
SELECT 'I1', 'final_without_finished_at', r.id, r.attempt, format('%s run has no finished_at', r.status)
FROM runs r
WHERE r.status NOT IN ('queued', 'running') AND r.finished_at IS NULL

UNION ALL
SELECT 'I1', 'final_with_lease', r.id, r.attempt, format('%s run still holds a lease until %s', r.status, r.lease_expires_at)
FROM runs r
WHERE r.status NOT IN ('queued', 'running') AND r.lease_expires_at IS NOT NULL

UNION ALL
-- I1: one run per scheduled slot (monitor, collection, location, scheduled_for).
SELECT 'I1', 'duplicate_slot', min(r.id), 0,
       format('%s runs for monitor %s, collection %s, location %s, slot %s: %s',
              count(*), r.monitor_id, coalesce(r.collection_id::text, 'deleted'), r.location, r.scheduled_for,
              string_agg(r.id::text, ', ' ORDER BY r.id))
FROM runs r
WHERE r.monitor_id IS NOT NULL AND r.scheduled_for IS NOT NULL
GROUP BY r.monitor_id, r.collection_id, r.location, r.scheduled_for
HAVING count(*) > 1

UNION ALL
-- I3: the step rows of an attempt are positions 0..k-1 with no gap (the
-- primary key rules out duplicates).
SELECT 'I3', 'step_gap', s.run_id, s.attempt,
       format('%s step rows but the highest position is %s', count(*), max(s.position))
FROM step_results s
GROUP BY s.run_id, s.attempt
HAVING max(s.position) + 1 <> count(*)

UNION ALL
-- I3: no step row beyond the snapshot's steps.
SELECT 'I3', 'step_beyond_snapshot', s.run_id, s.attempt,
       format('step row at position %s but the snapshot has %s steps', s.position,
              coalesce(jsonb_array_length(r.snapshot -> 'steps'), 0))
FROM step_results s JOIN runs r ON r.id = s.run_id
WHERE s.position >= coalesce(jsonb_array_length(r.snapshot -> 'steps'), 0)

UNION ALL
-- I3: an interrupted step is where its attempt was cut off: nothing after it.
SELECT 'I3', 'step_after_interrupted', s.run_id, s.attempt,
       format('step %s is interrupted but step %s follows it', s.position, max(n.position))
FROM step_results s JOIN step_results n ON n.run_id = s.run_id AND n.attempt = s.attempt AND n.position > s.position
WHERE s.status = 'interrupted'
GROUP BY s.run_id, s.attempt, s.position

UNION ALL
-- I3: a skipped step says why.
SELECT 'I3', 'skipped_without_reason', s.run_id, s.attempt, format('step %s is skipped with no reason', s.position)
FROM step_results s
WHERE s.status = 'skipped' AND s.error = ''

UNION ALL
-- I3: a run that passed or failed recorded every step of its attempt.
SELECT 'I3', 'incomplete_result', r.id, r.attempt,
       format('%s run has %s step rows for attempt %s; its snapshot has %s steps', r.status,
              (SELECT count(*) FROM step_results s WHERE s.run_id = r.id AND s.attempt = r.attempt), r.attempt,
              coalesce(jsonb_array_length(r.snapshot -> 'steps'), 0))
FROM runs r
WHERE r.status IN ('passed', 'failed')
  AND (SELECT count(*) FROM step_results s WHERE s.run_id = r.id AND s.attempt = r.attempt)
      <> coalesce(jsonb_array_length(r.snapshot -> 'steps'), 0)

UNION ALL
-- I6: no step row from an attempt the run never reached (a write that got
-- around the fence).
SELECT 'I6', 'step_from_future_attempt', s.run_id, s.attempt,
       format('%s step rows for attempt %s; the run is at attempt %s', count(*), s.attempt, r.attempt)
FROM step_results s JOIN runs r ON r.id = s.run_id
WHERE s.attempt > r.attempt
GROUP BY s.run_id, s.attempt, r.attempt

ORDER BY run_id, attempt, invariant, check_name
