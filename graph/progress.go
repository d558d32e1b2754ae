package graph

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/collection"
)

// ProgressUpdate is one notification (collection.Progress, the document the
// runner publishes on collection.ProgressChannel). Resync marks a gap (the
// listener reconnected or the subscriber fell behind): the subscriber must
// reload the run.
type ProgressUpdate struct {
	collection.Progress
	Resync bool `json:"-"`
}

// Progress holds one LISTEN connection per process and fans notifications out
// to the subscriptions watching each run.
type Progress struct {
	pool *pgxpool.Pool
	log  *slog.Logger

	mu    sync.Mutex
	subs  map[collection.RunID]map[*subscriber]struct{}
	ready chan struct{} // closed once the first LISTEN succeeded
	once  sync.Once
}

type subscriber struct {
	ch     chan ProgressUpdate
	missed bool // an update was dropped; the next delivery is a resync
}

// NewProgress returns a hub; call Run to start listening.
func NewProgress(pool *pgxpool.Pool, log *slog.Logger) *Progress {
	return &Progress{pool: pool, log: log, subs: map[collection.RunID]map[*subscriber]struct{}{}, ready: make(chan struct{})}
}

// Run listens until ctx ends, reconnecting after a lost connection (and telling
// every subscriber to resync, since notifications in between are lost).
func (p *Progress) Run(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	for {
		err := p.listen(ctx)
		if ctx.Err() != nil {
			return nil
		}
		p.log.WarnContext(ctx, "run progress listener lost its connection; reconnecting", "err", err)
		p.broadcastResync()
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (p *Progress) listen(ctx context.Context) error {
	pc, err := p.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A LISTENing connection must not go back to the pool.
	conn := pc.Hijack()
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+collection.ProgressChannel); err != nil {
		return err
	}
	p.once.Do(func() { close(p.ready) })
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var u ProgressUpdate
		if err := json.Unmarshal([]byte(n.Payload), &u); err != nil || u.RunID == 0 {
			p.log.WarnContext(ctx, "ignoring malformed run progress payload", "err", err)
			continue
		}
		p.dispatch(u)
	}
}

// Subscribe registers interest in one run before its current state is read, so
// no update between the read and the first notification is lost. It waits
// (bounded by ctx) until the listener is connected.
func (p *Progress) Subscribe(ctx context.Context, id collection.RunID) (<-chan ProgressUpdate, func(), error) {
	select {
	case <-p.ready:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	s := &subscriber{ch: make(chan ProgressUpdate, 64)}
	p.mu.Lock()
	if p.subs[id] == nil {
		p.subs[id] = map[*subscriber]struct{}{}
	}
	p.subs[id][s] = struct{}{}
	p.mu.Unlock()
	cancel := func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		delete(p.subs[id], s)
		if len(p.subs[id]) == 0 {
			delete(p.subs, id)
		}
	}
	return s.ch, cancel, nil
}

// Ready is closed once the listener is connected.
func (p *Progress) Ready() <-chan struct{} { return p.ready }

func (p *Progress) dispatch(u ProgressUpdate) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for s := range p.subs[u.RunID] {
		p.deliver(s, u)
	}
}

func (p *Progress) broadcastResync() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, set := range p.subs {
		for s := range set {
			p.deliver(s, ProgressUpdate{Progress: collection.Progress{RunID: id}, Resync: true})
		}
	}
}

// deliver never blocks the listener: a subscriber that is behind loses the
// update and gets a resync instead (payloads are cumulative, so it loses no step).
func (p *Progress) deliver(s *subscriber, u ProgressUpdate) {
	if s.missed {
		u = ProgressUpdate{Progress: collection.Progress{RunID: u.RunID}, Resync: true}
	}
	select {
	case s.ch <- u:
		s.missed = false
	default:
		s.missed = true
	}
}
