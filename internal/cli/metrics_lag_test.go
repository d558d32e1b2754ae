package cli

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/metrics"
	"github.com/catena-monitor/catena/internal/queue"
)

type countingEnqueuer struct{}

func (countingEnqueuer) EnqueueScheduled(_ context.Context, _ pgx.Tx, runs []queue.ScheduledRun) (int, error) {
	return len(runs), nil
}

// TestSlotLagStartsAtTheJitteredDueTime: a monitor 40 s into its minute by
// its chosen jitter, enqueued on time, has no lag; one without a due time
// (EventBridge) is measured from its slot.
func TestSlotLagStartsAtTheJitteredDueTime(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Config{})
	e := observedEnqueuer{Enqueuer: countingEnqueuer{}, metrics: m}
	now := time.Now()
	runs := []queue.ScheduledRun{
		{MonitorID: 1, Slot: now.Add(-40 * time.Second), Due: now.Add(-100 * time.Millisecond)},
		{MonitorID: 2, Slot: now.Add(-3 * time.Second)},
	}
	if _, err := e.EnqueueScheduled(context.Background(), nil, runs); err != nil {
		t.Fatal(err)
	}
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "catena_scheduler_slot_lag_seconds" {
			continue
		}
		h := f.GetMetric()[0].GetHistogram()
		if h.GetSampleCount() != 2 || h.GetSampleSum() < 3 || h.GetSampleSum() > 5 {
			t.Errorf("slot lag: %d samples summing %.1f s; want 2 summing ≈3.1 s (jitter is not lag)", h.GetSampleCount(), h.GetSampleSum())
		}
		return
	}
	t.Fatal("no catena_scheduler_slot_lag_seconds series")
}
