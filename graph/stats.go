package graph

import (
	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// monitorStats turns the figures the store aggregated into the dashboard's.
func monitorStats(s *store.MonitorRunStats) *model.MonitorStats {
	st := &model.MonitorStats{Latency: []model.LatencyPoint{}, LatencyMs: []int{}}
	if s == nil {
		return st
	}
	st.Runs24h = s.Runs24h
	st.Uptime24h, st.Uptime7d = s.Uptime24h, s.Uptime7d
	st.P95LatencyMs24h, st.P95LatencyMs7d = s.P95Ms24h, s.P95Ms7d
	st.Apdex7d, st.ErrorBudgetLeft7d = s.Apdex7d, s.ErrorBudgetLeft7d
	for i := len(s.Recent) - 1; i >= 0; i-- { // newest first in, oldest first out
		r := s.Recent[i]
		at := r.QueuedAt
		if r.FinishedAt != nil {
			at = *r.FinishedAt
		}
		st.Latency = append(st.Latency, model.LatencyPoint{At: at, DurationMs: int(r.Duration.Milliseconds()), Status: r.Status})
		st.LatencyMs = append(st.LatencyMs, int(r.Duration.Milliseconds()))
	}
	if n := len(st.Latency); n > 0 {
		st.Latest = &st.Latency[n-1]
	}
	return st
}

// monitorState follows the latest finished run of each of the monitor's
// collections × locations within the stats window.
func monitorState(m *collection.Monitor, s *store.MonitorRunStats) model.MonitorState {
	if !m.Enabled {
		return model.MonitorStatePaused
	}
	if s == nil || len(s.Latest) == 0 {
		return model.MonitorStateNoData
	}
	for _, r := range s.Latest {
		if r.Status != collection.RunPassed {
			return model.MonitorStateFailing
		}
	}
	return model.MonitorStatePassing
}
