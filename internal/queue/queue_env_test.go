package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/store"
)

// A monitor's slot runs in the environment the monitor picked for the
// collection: the run records it and its snapshot holds the environment's
// variables over the collection's, and no other environment. A slot whose
// environment went away is recorded missed (unknown_environment), with no job.
func TestEnqueueInEnvironment(t *testing.T) {
	t.Parallel()
	q, pool, c := newQueue(t)
	ctx := context.Background()
	var gone collection.CollectionID
	if err := pool.QueryRow(ctx, `INSERT INTO collections (name) VALUES ('other') RETURNING id`).Scan(&gone); err != nil {
		t.Fatal(err)
	}
	c.Variables = map[string]string{"base": "http://127.0.0.1:1", "user": "demo"}
	c.Environments = map[string]collection.Environment{
		"staging": {Variables: map[string]string{"base": "http://127.0.0.1:2"}},
		"prod":    {Variables: map[string]string{"base": "http://127.0.0.1:3"}},
	}
	other := collection.Collection{ID: gone, Name: "other", Steps: c.Steps}
	m := &collection.Monitor{ID: 0, CollectionIDs: []collection.CollectionID{c.ID, gone}, Locations: []string{"local"},
		Environments: map[collection.CollectionID]string{c.ID: "staging", gone: "qa"}}
	if err := pool.QueryRow(ctx, `INSERT INTO monitors (name, schedule) VALUES ('m', 'every 5m') RETURNING id`).Scan(&m.ID); err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var runs []collection.Run
	if err := store.WithTx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		runs, err = q.EnqueueMonitor(ctx, tx, m, slot, map[collection.CollectionID]collection.Collection{c.ID: c, gone: other})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs, want 2", len(runs))
	}
	in := runs[0]
	if in.Environment != "staging" || in.Status != collection.RunQueued {
		t.Errorf("run %s in environment %q, want queued in staging", in.Status, in.Environment)
	}
	if got := in.Snapshot.Variables; got["base"] != "http://127.0.0.1:2" || got["user"] != "demo" || in.Snapshot.Environments != nil {
		t.Errorf("snapshot variables %v, environments %v; want staging's base over the collection's, nothing else", got, in.Snapshot.Environments)
	}
	missed := runs[1]
	if missed.Status != collection.RunMissed || missed.Error != collection.MissedUnknownEnvironment {
		t.Errorf("the slot of an unknown environment is %s %q, want missed unknown_environment", missed.Status, missed.Error)
	}
	js := jobs(t, pool)
	if len(js) != 1 || js[0].RunID != in.ID || js[0].Queue != queue.RunQueue("local") {
		t.Errorf("jobs %+v, want one for run %d", js, in.ID)
	}
}

// EnqueueRetry inserts the linked run with a job that becomes available at
// the retry's time; a second call with the same key inserts nothing.
func TestEnqueueRetry(t *testing.T) {
	t.Parallel()
	q, pool, c := newQueue(t)
	ctx := context.Background()
	first, _ := enqueue(t, q, pool, store.InsertRunParams{CollectionID: &c.ID, Trigger: collection.TriggerSchedule, Snapshot: c})
	at := time.Now().Add(time.Hour).Truncate(time.Second)
	for range 2 {
		if err := store.WithTx(ctx, pool, func(tx pgx.Tx) error {
			_, _, err := q.EnqueueRetry(ctx, tx, store.InsertRunParams{
				CollectionID: &c.ID, Trigger: collection.TriggerRetry, Snapshot: first.Snapshot, Location: "eu-west-1",
				IdempotencyKey: collection.RetryRunKey(first.ID, 1), Chain: collection.RetryChain{Of: &first.ID, Attempt: 1},
			}, at)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	var scheduled time.Time
	var queueName string
	if err := pool.QueryRow(ctx, `SELECT count(*), max(scheduled_at), max(queue) FROM river_job WHERE (args->>'run_id')::bigint <> $1`, first.ID).Scan(&n, &scheduled, &queueName); err != nil {
		t.Fatal(err)
	}
	if n != 1 || !scheduled.Equal(at) || queueName != queue.RunQueue("eu-west-1") {
		t.Errorf("%d retry jobs at %s on %s; want one at %s on %s", n, scheduled, queueName, at, queue.RunQueue("eu-west-1"))
	}
	var retryOf collection.RunID
	var attempt int
	if err := pool.QueryRow(ctx, `SELECT retry_of, retry_attempt FROM runs WHERE trigger = 'retry'`).Scan(&retryOf, &attempt); err != nil || retryOf != first.ID || attempt != 1 {
		t.Errorf("the retry row is retry_of %d attempt %d (%v), want %d and 1", retryOf, attempt, err, first.ID)
	}
}
