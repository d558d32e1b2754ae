package collectionrunner

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// maxProgressPayload keeps a NOTIFY payload under Postgres's 8000-byte limit.
const maxProgressPayload = 7 << 10

// Progress goes out on collection.ProgressChannel as collection.Progress
// documents: cumulative per attempt and coalesced by the hub below; the final
// one joins the hub once the finishing transaction committed (Worker.finish).

// progressPayload encodes the run's progress in at most maxProgressPayload
// bytes, shortening error messages (then dropping them) when needed.
func progressPayload(id collection.RunID, attempt int, status collection.RunStatus, steps []collection.StepResult) []byte {
	p := collection.Progress{RunID: id, Attempt: attempt, Status: status, Steps: make([]collection.ProgressStep, len(steps))}
	for _, limit := range []int{200, 40, 0} {
		for i, s := range steps {
			p.Steps[i] = collection.ProgressStep{
				Position: s.Position, Name: s.Name, Status: s.Status,
				// The URL is redacted already (run.step records it so).
				Method: s.Request.Method, URL: truncateRunes(s.Request.URL, max(limit, 80)), Tries: s.Tries,
				// Microsecond precision keeps the payload short.
				LatencyMS: float64(s.Timings.Total.Microseconds()) / 1000, Error: truncateRunes(s.Error, limit),
			}
			if s.Response != nil {
				p.Steps[i].HTTPStatus = s.Response.Status
			}
		}
		b, err := json.Marshal(p)
		if err == nil && len(b) <= maxProgressPayload {
			return b
		}
	}
	// 50 steps with 200-character names can still exceed the limit: keep the
	// last steps, which a watcher has not seen yet.
	for len(p.Steps) > 0 {
		p.Steps = p.Steps[1:]
		if b, err := json.Marshal(p); err == nil && len(b) <= maxProgressPayload {
			return b
		}
	}
	b, _ := json.Marshal(p)
	return b
}

// stepProgress is the Executor.Run callback of one attempt: a finished step
// joins the tracker and the progress sent; a polling step's running entry
// (collection.StepRunning) is sent after the finished steps but not kept.
func (w *Worker) stepProgress(id collection.RunID, attempt int, tracker *stepTracker) func(collection.StepResult) {
	return func(s collection.StepResult) {
		if s.Status == collection.StepRunning {
			w.progress.publish(id, progressPayload(id, attempt, collection.RunRunning, tracker.with(s)))
			return
		}
		w.progress.publish(id, progressPayload(id, attempt, collection.RunRunning, tracker.add(s)))
	}
}

// with returns the finished steps followed by s, without keeping s.
func (t *stepTracker) with(s collection.StepResult) []collection.StepResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	s.RunID, s.Attempt = t.run, t.attempt
	return append(t.steps[:len(t.steps):len(t.steps)], s)
}

func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n == 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// progressHub coalesces progress notifications: each run keeps only its latest
// document (it holds every step so far), and all pending documents go out in
// one query per interval instead of one query per step.
type progressHub struct {
	db       DB
	log      *slog.Logger
	interval time.Duration

	mu      sync.Mutex
	pending map[collection.RunID][]byte
	// flushMu is held while a batch is being sent, so forget can wait until no
	// stale document of a finished run is still in flight.
	flushMu sync.Mutex
}

func newProgressHub(db DB, log *slog.Logger, interval time.Duration) *progressHub {
	return &progressHub{db: db, log: log, interval: interval, pending: map[collection.RunID][]byte{}}
}

func (h *progressHub) publish(id collection.RunID, payload []byte) {
	h.mu.Lock()
	h.pending[id] = payload
	h.mu.Unlock()
}

// forget drops a run's pending document and waits for a batch in flight.
func (h *progressHub) forget(id collection.RunID) {
	h.flushMu.Lock()
	h.mu.Lock()
	delete(h.pending, id)
	h.mu.Unlock()
	h.flushMu.Unlock()
}

func (h *progressHub) run(ctx context.Context) error {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			h.flush(ctx)
		}
	}
}

func (h *progressHub) flush(ctx context.Context) {
	h.flushMu.Lock()
	defer h.flushMu.Unlock()
	h.mu.Lock()
	if len(h.pending) == 0 {
		h.mu.Unlock()
		return
	}
	batch := make([]string, 0, len(h.pending))
	for id, p := range h.pending {
		batch = append(batch, string(p))
		delete(h.pending, id)
	}
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// Notifications are best effort (a watcher that misses one reloads the
	// run), so their commit need not wait for the WAL flush: it then holds
	// Postgres's cluster-wide notify lock for microseconds, not a flush.
	if err := h.send(ctx, batch); err != nil {
		h.log.WarnContext(ctx, "publishing run progress", "err", err, "runs", len(batch))
	}
}

func (h *progressHub) send(ctx context.Context, batch []string) error {
	tx, err := h.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	b := &pgx.Batch{}
	b.Queue("SET LOCAL synchronous_commit = off")
	b.Queue("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", collection.ProgressChannel, batch)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
