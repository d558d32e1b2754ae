package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// runQueuePrefix is how queue.RunQueue names a location's run queue.
const runQueuePrefix = "runs_"

// QueueStat is how many jobs of one location's run queue are in one state;
// OldestAge is set for "available" (the oldest job still waiting for a
// runner). A row with an empty State names a known queue with no such job.
type QueueStat struct {
	Location  string
	State     string
	Jobs      int
	OldestAge time.Duration
}

// QueueStats counts the run queues' unfinished jobs by state, plus every run
// queue a River client has worked (river_queue), so an empty queue still
// shows. Finished jobs (completed, cancelled, discarded) are not counted.
func (s *Store) QueueStats(ctx context.Context) ([]QueueStat, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT queue, state::text, count(*),
		       COALESCE(EXTRACT(EPOCH FROM now() - min(scheduled_at)), 0)::float8
		FROM river_job
		WHERE state IN ('available', 'pending', 'retryable', 'running', 'scheduled')
		  AND queue LIKE 'runs\_%'
		GROUP BY queue, state
		UNION ALL
		SELECT name, '', 0, 0 FROM river_queue WHERE name LIKE 'runs\_%'`)
	if err != nil {
		return nil, fmt.Errorf("counting queued jobs: %w", err)
	}
	defer rows.Close()
	var out []QueueStat
	for rows.Next() {
		var q QueueStat
		var age float64
		if err := rows.Scan(&q.Location, &q.State, &q.Jobs, &age); err != nil {
			return nil, fmt.Errorf("counting queued jobs: %w", err)
		}
		q.Location = strings.TrimPrefix(q.Location, runQueuePrefix)
		if q.State == "available" {
			q.OldestAge = time.Duration(max(age, 0) * float64(time.Second))
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting queued jobs: %w", err)
	}
	return out, nil
}

// EndedRun is what the metrics label a run with that ended without a runner
// finishing it: swept (its runner was lost) or cancelled while queued.
type EndedRun struct {
	Monitor    string // the monitor's name; "" for a run no monitor started
	Collection string
	Location   string
	Trigger    collection.Trigger
	Status     collection.RunStatus
}

// EndedRuns returns the labels of the runs ids, in no particular order.
func (s *Store) EndedRuns(ctx context.Context, ids []collection.RunID) ([]EndedRun, error) {
	rows, err := s.pool.Query(ctx, `SELECT coalesce(m.name, ''), r.collection_name, r.location, r.trigger, r.status
		FROM runs r LEFT JOIN monitors m ON m.id = r.monitor_id WHERE r.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("reading ended runs: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (EndedRun, error) {
		var e EndedRun
		err := row.Scan(&e.Monitor, &e.Collection, &e.Location, &e.Trigger, &e.Status)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading ended runs: %w", translate(err))
	}
	return out, nil
}

// MonitorName returns a monitor's name (the label its runs carry in metrics).
func (s *Store) MonitorName(ctx context.Context, db DB, id collection.MonitorID) (string, error) {
	var name string
	err := db.QueryRow(ctx, `SELECT name FROM monitors WHERE id = $1`, id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("monitor %d: %w", id, collection.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("reading monitor %d's name: %w", id, err)
	}
	return name, nil
}
