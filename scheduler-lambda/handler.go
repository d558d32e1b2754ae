package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/config"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/schedule"
	"github.com/catena-monitor/catena/internal/store"
	"github.com/catena-monitor/catena/migrations"
)

// Event is the input every schedule passes (see schedule.EventBridge):
// {"monitorId": 12, "scheduledTime": "2026-11-22T04:00:00Z"}, the time filled
// in by EventBridge Scheduler from <aws.scheduler.scheduled-time>.
type Event struct {
	MonitorID     int64  `json:"monitorId"`
	ScheduledTime string `json:"scheduledTime"`
}

// handler turns one delivery into runs.
type handler struct {
	deliverer *schedule.Deliverer
	log       *slog.Logger
	close     func() // releases the pool (tests; a Lambda container just ends)
}

// newHandlerFromEnv loads the configuration (the database credentials from
// DATABASE_SECRET_ARN when set), connects to Postgres (checking the schema is
// current) and builds the queue client and the deliverer.
func newHandlerFromEnv(ctx context.Context, getenv func(string) string) (*handler, error) {
	getenv, err := withSecretDatabaseURL(ctx, getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	// JSON unless text is asked for explicitly: CloudWatch reads JSON.
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	if getenv("CATENA_LOG_FORMAT") == "text" {
		log = slog.New(slog.NewTextHandler(os.Stdout, nil))
	}
	log = log.With("component", "scheduler-lambda")
	pool, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := migrations.Check(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("checking the database schema: %w", err)
	}
	st := store.New(pool, nil) // the Lambda reads no secret: it has no key
	q, err := queue.New(st, log, queue.Config{})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("creating the queue client: %w", err)
	}
	d, err := schedule.NewDeliverer(schedule.DelivererConfig{Pool: pool, Store: st, Queue: q, Log: log})
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &handler{deliverer: d, log: log, close: pool.Close}, nil
}

// Handle enqueues the monitor's runs for the delivered slot. It returns an
// error (so Lambda and EventBridge retry, then dead-letter) only when nothing
// could be committed; duplicates, stale deliveries, deleted or paused
// monitors and malformed events are handled and return nil.
func (h *handler) Handle(ctx context.Context, ev Event) error {
	slot, err := time.Parse(time.RFC3339, ev.ScheduledTime)
	if ev.MonitorID <= 0 || err != nil {
		// Retrying cannot fix a malformed event; log it for the operator.
		h.log.ErrorContext(ctx, "malformed scheduler event; ignoring", "monitor_id", ev.MonitorID, "scheduled_time", ev.ScheduledTime)
		return nil
	}
	outcome, err := h.deliverer.Deliver(ctx, collection.MonitorID(ev.MonitorID), slot)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("enqueue timed out: %w", err)
		}
		return err
	}
	h.log.InfoContext(ctx, "scheduler event handled", "monitor_id", ev.MonitorID, "slot", slot, "outcome", string(outcome))
	return nil
}
