package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// The runner's lease upkeep and the sweeper of lost runs (stream C owns this
// file; the rest of runs.go is stream A's).

// HeartbeatRun extends a running run's lease, fenced by attempt, and reports
// whether a user asked to cancel it. It returns an error matching
// collection.ErrConflict when the attempt no longer owns the run.
func (s *Store) HeartbeatRun(ctx context.Context, id collection.RunID, attempt int, until time.Time) (cancelRequested bool, err error) {
	err = s.pool.QueryRow(ctx, `
		UPDATE runs SET lease_expires_at = $3
		WHERE id = $1 AND attempt = $2 AND status = 'running'
		RETURNING cancel_requested`, id, attempt, until).Scan(&cancelRequested)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, &collection.ConflictError{Field: "attempt", Message: fmt.Sprintf("run %d is final or owned by an attempt newer than %d", id, attempt)}
	}
	if err != nil {
		return false, fmt.Errorf("extending the lease of run %d: %w", id, translate(err))
	}
	return cancelRequested, nil
}

// ReasonRunnerLost is the Error of a run ended by the sweeper.
const ReasonRunnerLost = "runner_lost"

// sweepLostRunsSQL ends, in one statement, runs that no runner will finish:
// running with an expired lease, or queued, while their queue job is gone or
// final (River's rescuer discarded it after the last attempt, or it was
// deleted). A live job (available, running, retryable, scheduled, pending)
// means River will try again, so the run is left to it. The lost attempt's
// steps are left as its runner recorded them (see above).
// Row locks (SKIP LOCKED) and the status condition make a sweep and a runner's
// FinishRun exclusive: whichever commits first wins, the other changes nothing.
const sweepLostRunsSQL = `
WITH lost AS (
    SELECT r.id
    FROM runs r
    WHERE (r.status = 'running' AND r.lease_expires_at < now()
           OR r.status = 'queued' AND r.queued_at < now() - $1::interval)
      AND NOT EXISTS (
          SELECT 1 FROM river_job j
          WHERE j.kind = 'catena_run'
            AND j.args @> jsonb_build_object('run_id', r.id)
            AND j.state NOT IN ('completed', 'cancelled', 'discarded'))
    ORDER BY r.id
    LIMIT 1000
    FOR UPDATE OF r SKIP LOCKED
), cut AS (
    UPDATE runs r
    SET status = 'errored',
        error = 'runner_lost',
        finished_at = greatest(now(), r.started_at),
        duration_ms = CASE WHEN r.started_at IS NULL THEN 0
                           ELSE greatest(0, (extract(epoch FROM now() - r.started_at) * 1000)::bigint) END,
        lease_expires_at = NULL
    FROM lost
    WHERE r.id = lost.id AND r.status IN ('queued', 'running')
    RETURNING r.id, r.attempt
)
SELECT id, attempt FROM cut`

// notifySweptSQL notifies each swept run's final state like a runner's, with
// the steps its last attempt recorded.
const notifySweptSQL = `
SELECT pg_notify('catena_run_progress', json_build_object(
    'run_id', s.id, 'attempt', s.attempt, 'status', 'errored',
    'steps', (SELECT coalesce(json_agg(json_build_object(
                  'position', sr.position, 'name', sr.name, 'status', sr.status,
                  'latency_ms', sr.total_us / 1000, 'error', left(sr.error, 200)) ORDER BY sr.position), '[]'::json)
              FROM step_results sr WHERE sr.run_id = s.id AND sr.attempt = s.attempt))::text)
FROM unnest($1::bigint[], $2::int[]) AS s(id, attempt)`

// A lost attempt's record is what its runner wrote: the steps its heartbeats
// recorded (finished steps are written on each heartbeat, not one by one, so
// the write path stays one transaction per run in the common case). The sweep
// adds no step row of its own. It cannot know what happened after the last
// heartbeat: steps may have finished unrecorded, and the step in progress may
// be any of them, so naming one "interrupted" would invent history (a step
// that passed shown as cut off). The run's reason, runner_lost, says the rest
// is unknown; a runner that stops on purpose knows where it was and records
// that step itself (collectionrunner's recordInterrupted).

// requeueExpiredSQL does for a run what River's rescuer does for a job, but on
// the run's lease (seconds) instead of River's stuck-job threshold (an hour by
// default): the job of a run whose lease expired is handed back for a new,
// fenced attempt, or discarded when it was the last attempt (then the sweep
// below ends the run). runs.attempt = river_job.attempt ties the lease to the
// job's current attempt, so a job already retried is not touched twice.
// The job is made available at once, not retryable: River's scheduler, which
// turns retryable jobs available, runs only on the leader, and a killed or
// frozen leader keeps that role until its leadership expires, which would
// delay the rescue by as long.
const requeueExpiredSQL = `
WITH cut AS (
UPDATE river_job j
SET state = CASE WHEN j.attempt < j.max_attempts THEN 'available' ELSE 'discarded' END::river_job_state,
    scheduled_at = now(),
    finalized_at = CASE WHEN j.attempt < j.max_attempts THEN NULL ELSE now() END,
    errors = array_append(j.errors, jsonb_build_object(
        'at', now(), 'attempt', j.attempt, 'error', 'runner_lost: the run''s lease expired', 'trace', ''))
FROM runs r
WHERE j.kind = 'catena_run' AND j.state = 'running'
  AND j.args @> jsonb_build_object('run_id', r.id)
  AND r.status = 'running' AND r.lease_expires_at < now() AND r.attempt = j.attempt
RETURNING r.id, r.attempt
)
SELECT id FROM cut`

// RequeueExpiredRuns hands runs whose lease expired back to the queue (see
// requeueExpiredSQL) and returns their ids.
func (s *Store) RequeueExpiredRuns(ctx context.Context) ([]collection.RunID, error) {
	rows, err := s.pool.Query(ctx, requeueExpiredSQL)
	if err != nil {
		return nil, fmt.Errorf("requeueing runs with an expired lease: %w", translate(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[collection.RunID])
	if err != nil {
		return nil, fmt.Errorf("requeueing runs with an expired lease: %w", translate(err))
	}
	return ids, nil
}

// queuedGrace is how long a queued run without a live job is left alone; the
// run and its job are inserted in one transaction, so this is only slack.
const queuedGrace = "1 minute"

// SweepLostRuns ends runs whose runner is gone for good as errored with reason
// runner_lost, notifies their final state, and returns their ids (at most 1000 per call).
func (s *Store) SweepLostRuns(ctx context.Context) ([]collection.RunID, error) {
	var ids []collection.RunID
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		ids = nil
		rows, err := tx.Query(ctx, sweepLostRunsSQL, queuedGrace)
		if err != nil {
			return err
		}
		var (
			id       collection.RunID
			attempt  int32
			attempts []int32
		)
		if _, err := pgx.ForEachRow(rows, []any{&id, &attempt}, func() error {
			ids, attempts = append(ids, id), append(attempts, attempt)
			return nil
		}); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, notifySweptSQL, ids, attempts)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sweeping lost runs: %w", translate(err))
	}
	return ids, nil
}

// RefundAttempt gives back the River attempt of a run whose runner stopped on
// purpose (SIGTERM, deploy) mid-run: the job's max_attempts grows by one, so
// being stopped does not use up the retry a crash would need, while the job's
// and the run's attempt numbers stay equal (the sweep relies on that). It is
// fenced like every runner write: only the attempt that owns the running run
// may refund, and only while its job is still running.
func (s *Store) RefundAttempt(ctx context.Context, id collection.RunID, attempt int, jobID int64) error {
	tag, err := s.pool.Exec(ctx, `
UPDATE river_job j SET max_attempts = j.max_attempts + 1
FROM runs r
WHERE j.id = $3 AND j.state = 'running' AND j.attempt = $2
  AND r.id = $1 AND r.attempt = $2 AND r.status = 'running'`, id, attempt, jobID)
	if err != nil {
		return fmt.Errorf("refunding attempt %d of run %d: %w", attempt, id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return &collection.ConflictError{Field: "attempt", Message: fmt.Sprintf("run %d is not running as attempt %d with job %d", id, attempt, jobID)}
	}
	return nil
}
