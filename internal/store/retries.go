package store

import (
	"context"
	"fmt"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// MonitorRetry reads a monitor's retry before alerting settings.
func (s *Store) MonitorRetry(ctx context.Context, db DB, id collection.MonitorID) (collection.MonitorRetry, error) {
	var r collection.MonitorRetry
	var delayS int64
	err := db.QueryRow(ctx, `SELECT retries, retry_delay_s, retry_location FROM monitors WHERE id = $1`, id).
		Scan(&r.Retries, &delayS, &r.Location)
	if err != nil {
		return r, fmt.Errorf("reading the retries of monitor %d: %w", id, translate(err))
	}
	r.Delay = time.Duration(delayS) * time.Second
	return r, nil
}

// MarkRetried flags a finished run as superseded by its retry, in the
// transaction that enqueued the retry: from then on it does not count for the
// alert policy or the dashboard.
func (s *Store) MarkRetried(ctx context.Context, db DB, id collection.RunID) error {
	if _, err := db.Exec(ctx, `UPDATE runs SET retried = true WHERE id = $1`, id); err != nil {
		return fmt.Errorf("marking run %d retried: %w", id, translate(err))
	}
	return nil
}

// ChainSlot is the scheduled time of the first run of a retry chain (nil
// when that run is gone or was not scheduled).
func (s *Store) ChainSlot(ctx context.Context, db DB, first collection.RunID) (*time.Time, error) {
	var at *time.Time
	err := db.QueryRow(ctx, `SELECT scheduled_for FROM runs WHERE id = $1`, first).Scan(&at)
	if err != nil {
		return nil, fmt.Errorf("reading the slot of run %d: %w", first, translate(err))
	}
	return at, nil
}

// RetryChain lists every run of the chain run id belongs to (the first run
// and its retries), in attempt order, without snapshots.
func (s *Store) RetryChain(ctx context.Context, id collection.RunID) ([]collection.Run, error) {
	rows, err := s.pool.Query(ctx, `
WITH root AS (SELECT COALESCE(retry_of, id) AS root_id FROM runs WHERE id = $1)
SELECT `+runColumns+` FROM runs, root
WHERE runs.id = root.root_id OR runs.retry_of = root.root_id
ORDER BY retry_attempt, runs.id`, id)
	if err != nil {
		return nil, fmt.Errorf("loading the retry chain of run %d: %w", id, err)
	}
	defer rows.Close()
	var out []collection.Run
	for rows.Next() {
		r, err := scanRun(rows, false)
		if err != nil {
			return nil, fmt.Errorf("loading the retry chain of run %d: %w", id, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
