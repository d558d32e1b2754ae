package schedule

import (
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// SlotObserver is told what the scheduler made of due slots (internal/metrics
// implements it). Enqueued targets are reported by whoever wraps the
// Enqueuer; missed ones by the local loop, which alone knows them.
type SlotObserver interface {
	// SlotEnqueued reports n runs enqueued for one slot, lag after it.
	SlotEnqueued(n int, lag time.Duration)
	// SlotMissed reports one target recorded missed; reason is the row's error.
	SlotMissed(monitor, collection, location, reason string)
}

// observeMissed reports the missed rows of one batch, naming each row's
// monitor from the batch's claimed monitors.
func (l *Local) observeMissed(monitors []collection.Monitor, missed []store.MissedRunParams) {
	if l.cfg.Metrics == nil || len(missed) == 0 {
		return
	}
	names := make(map[collection.MonitorID]string, len(monitors))
	for _, m := range monitors {
		names[m.ID] = m.Name
	}
	for _, r := range missed {
		l.cfg.Metrics.SlotMissed(names[r.MonitorID], r.Snapshot.Name, r.Location, r.Error)
	}
}
