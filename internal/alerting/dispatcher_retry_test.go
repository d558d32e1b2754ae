package alerting

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// rowRetrier inserts the retry's run row as queue.Client.EnqueueRetry does
// (without its River job: these tests finish the retries themselves) and
// remembers when each retry was due.
type rowRetrier struct {
	st  *store.Store
	mu  sync.Mutex
	due map[collection.RunID]time.Time
}

func (r *rowRetrier) EnqueueRetry(ctx context.Context, tx pgx.Tx, p store.InsertRunParams, at time.Time) (collection.Run, bool, error) {
	run, created, err := r.st.InsertRun(ctx, tx, p)
	if err == nil && created {
		r.mu.Lock()
		r.due[run.ID] = at
		r.mu.Unlock()
	}
	return run, created, err
}

// finishQueued ends a queued run (a retry) with status and hands it to the
// dispatcher in one transaction, as the runner does.
func (b *bundle) finishQueued(d *Dispatcher, id collection.RunID, status collection.RunStatus) collection.Run {
	b.t.Helper()
	ctx := context.Background()
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		b.t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `UPDATE runs SET status = $2, started_at = now(), finished_at = now(), duration_ms = 5 WHERE id = $1`, id, status); err != nil {
		b.t.Fatal(err)
	}
	rows, err := tx.Query(ctx, `SELECT location, retry_of, retry_attempt, trigger FROM runs WHERE id = $1`, id)
	if err != nil {
		b.t.Fatal(err)
	}
	run := collection.Run{ID: id, CollectionID: &b.c, MonitorID: &b.m, Status: status}
	for rows.Next() {
		if err := rows.Scan(&run.Location, &run.Chain.Of, &run.Chain.Attempt, &run.Trigger); err != nil {
			b.t.Fatal(err)
		}
	}
	rows.Close()
	now := time.Now()
	run.FinishedAt = &now
	if err := d.RunFinished(ctx, tx, &run); err != nil {
		b.t.Fatalf("RunFinished: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		b.t.Fatal(err)
	}
	return run
}

// retryOf is the retry enqueued for run first at attempt n (0 when none).
func (b *bundle) retryOf(first collection.RunID, n int) collection.RunID {
	b.t.Helper()
	var id collection.RunID
	err := b.pool.QueryRow(context.Background(), `SELECT id FROM runs WHERE retry_of = $1 AND retry_attempt = $2`, first, n).Scan(&id)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		b.t.Fatal(err)
	}
	return id
}

// With retries and K = 2 failing locations, a slot counts each location's
// chain by its last run: the incident opens once, when the second location's
// chain ends failing, and never while a retry is in flight; chains whose
// retries pass resolve it. Retries wait the delay, run where they are told,
// and a replayed finish enqueues none twice.
func TestAlertRetriesAcrossLocations(t *testing.T) {
	t.Parallel()
	rec, url := standIn(t, nil)
	pol := collection.DefaultAlertPolicy()
	pol.FailureThreshold, pol.MinFailedLocations = 1, 2
	b := setup(t, setupOpts{policy: pol, locations: []string{"local", "eu"},
		channels: []collection.AlertChannel{{Name: "slack", Type: collection.ChannelSlack, Config: map[string]string{"webhook_url": url}}}})
	if _, err := b.pool.Exec(context.Background(), `UPDATE monitors SET retries = 1, retry_delay_s = 30, retry_location = 'backup' WHERE id = $1`, b.m); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	retrier := &rowRetrier{st: b.store, due: map[collection.RunID]time.Time{}}
	cfg := b.cfg
	cfg.Retries = retrier
	cfg.Now = func() time.Time { return now }
	d, err := NewDispatcher(cfg)
	if err != nil {
		t.Fatal(err)
	}

	local := b.finish(d, runOpts{status: collection.RunFailed, location: "local", slot: 0})
	eu := b.finish(d, runOpts{status: collection.RunFailed, location: "eu", slot: 0})
	// Replaying local's finish adds no second retry.
	tx, err := b.pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RunFinished(context.Background(), tx, &local); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	var chains int
	if err := b.pool.QueryRow(context.Background(), `SELECT count(*) FROM runs WHERE retry_of IS NOT NULL`).Scan(&chains); err != nil || chains != 2 {
		t.Fatalf("%d retries after two failures and a replay, want 2 (%v)", chains, err)
	}
	localRetry, euRetry := b.retryOf(local.ID, 1), b.retryOf(eu.ID, 1)
	if localRetry == 0 || euRetry == 0 {
		t.Fatalf("retries %d and %d, want one per failed location", localRetry, euRetry)
	}
	if at := retrier.due[localRetry]; !at.Equal(now.Add(30 * time.Second)) {
		t.Errorf("the retry is due at %s, want 30s after the failure", at)
	}
	var loc string
	if err := b.pool.QueryRow(context.Background(), `SELECT location FROM runs WHERE id = $1`, localRetry).Scan(&loc); err != nil || loc != "backup" {
		t.Errorf("the retry runs at %q, want the retry location backup", loc)
	}
	if len(b.incidents()) != 0 {
		t.Fatalf("an incident opened before any chain ended")
	}

	b.finishQueued(d, localRetry, collection.RunFailed)
	if len(b.incidents()) != 0 {
		t.Fatalf("an incident opened while eu's retry was still in flight")
	}
	b.finishQueued(d, euRetry, collection.RunFailed)
	if got := events(b.settled(10 * time.Second)); got != "slack:trigger" {
		t.Fatalf("deliveries %s, want one trigger when both chains ended failing", got)
	}

	// Slot 1: both fail once and their retries pass: the slot passes, the incident resolves.
	l1 := b.finish(d, runOpts{status: collection.RunFailed, location: "local", slot: 1})
	e1 := b.finish(d, runOpts{status: collection.RunFailed, location: "eu", slot: 1})
	b.finishQueued(d, b.retryOf(l1.ID, 1), collection.RunPassed)
	b.finishQueued(d, b.retryOf(e1.ID, 1), collection.RunPassed)
	if got := events(b.settled(10 * time.Second)); got != "slack:trigger slack:resolve" {
		t.Fatalf("deliveries %s, want the trigger then one resolve", got)
	}
	if n := len(rec.delivered()); n != 2 {
		t.Errorf("%d messages delivered, want 2", n)
	}
}
