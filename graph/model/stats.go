package model

import (
	"time"

	"github.com/catena-monitor/catena/internal/store"
)

// WindowStats is a monitor's stats over a window; its steps and series are
// resolved only when asked for, from Params.
type WindowStats struct {
	From, To                                         time.Time
	Runs, Passed, Failed, Errored, Missed, Cancelled int
	Uptime, Apdex, ErrorBudgetLeft                   *float64
	ApdexThresholdMs                                 int
	SloTarget                                        float64
	P50Ms, P95Ms, P99Ms                              *float64
	PercentilesExact                                 bool
	RolledUpBefore                                   *time.Time

	// Params and Now are what the steps and series resolvers query with.
	Params store.StatsParams
	Now    time.Time
}
