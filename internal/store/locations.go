package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// LocationQueue is one location's backlog: how many runs wait for a runner
// there and since when. A location that only monitors name (no runner has
// ever taken its runs, or none are waiting) has Queued 0 and no OldestQueuedAt.
type LocationQueue struct {
	Name           string
	Queued         int
	OldestQueuedAt *time.Time
	// Monitors is how many monitors run from the location.
	Monitors int
}

// Locations lists every location named by a monitor or by a queued run, with
// its queued runs, sorted by name. A location whose runner is missing shows
// its runs piling up here.
func (s *Store) Locations(ctx context.Context) ([]LocationQueue, error) {
	rows, err := s.pool.Query(ctx, `
WITH queued AS (
    SELECT location, count(*)::int AS n, min(queued_at) AS oldest
    FROM runs WHERE status = 'queued' GROUP BY location
), named AS (
    SELECT loc AS location, count(DISTINCT id)::int AS monitors
    FROM monitors, unnest(locations) AS loc GROUP BY loc
)
SELECT COALESCE(q.location, n.location), COALESCE(q.n, 0), q.oldest, COALESCE(n.monitors, 0)
FROM queued q FULL JOIN named n ON n.location = q.location
ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("listing locations: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LocationQueue, error) {
		var l LocationQueue
		err := r.Scan(&l.Name, &l.Queued, &l.OldestQueuedAt, &l.Monitors)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing locations: %w", translate(err))
	}
	return out, nil
}
