package graph

import (
	"math"
	"slices"
	"time"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
)

// sparkPoints is how many recent runs the latency sparkline shows.
const sparkPoints = 50

// computeStats turns runs (newest first) into the dashboard figures.
func computeStats(runs []collection.Run, now time.Time) *model.MonitorStats {
	st := &model.MonitorStats{Latency: []model.LatencyPoint{}}
	var day, week []collection.Run
	for _, r := range runs {
		at := finishedAt(r)
		if now.Sub(at) <= 24*time.Hour {
			day = append(day, r)
		}
		week = append(week, r)
	}
	st.Runs24h = len(day)
	st.Uptime24h, st.P95LatencyMs24h = uptimeAndP95(day)
	st.Uptime7d, st.P95LatencyMs7d = uptimeAndP95(week)
	n := min(sparkPoints, len(runs))
	for i := n - 1; i >= 0; i-- {
		r := runs[i]
		st.Latency = append(st.Latency, model.LatencyPoint{At: finishedAt(r), DurationMs: int(r.Duration.Milliseconds()), Status: r.Status})
	}
	return st
}

func finishedAt(r collection.Run) time.Time {
	if r.FinishedAt != nil {
		return *r.FinishedAt
	}
	return r.QueuedAt
}

func uptimeAndP95(runs []collection.Run) (*float64, *float64) {
	if len(runs) == 0 {
		return nil, nil
	}
	passed := 0
	d := make([]float64, len(runs))
	for i, r := range runs {
		if r.Status == collection.RunPassed {
			passed++
		}
		d[i] = ms(r.Duration)
	}
	slices.Sort(d)
	// Nearest-rank percentile.
	p95 := d[int(math.Ceil(0.95*float64(len(d))))-1]
	up := float64(passed) / float64(len(runs))
	return &up, &p95
}

// monitorState follows the latest finished run of each collection × location.
func monitorState(m *collection.Monitor, runs []collection.Run) model.MonitorState {
	if !m.Enabled {
		return model.MonitorStatePaused
	}
	if len(runs) == 0 {
		return model.MonitorStateNoData
	}
	type key struct {
		c   collection.CollectionID
		loc string
	}
	seen := map[key]bool{}
	for _, r := range runs { // newest first: the first seen per key is the latest
		var cid collection.CollectionID
		if r.CollectionID != nil {
			cid = *r.CollectionID
		}
		k := key{cid, r.Location}
		if seen[k] {
			continue
		}
		seen[k] = true
		if r.Status != collection.RunPassed {
			return model.MonitorStateFailing
		}
	}
	return model.MonitorStatePassing
}
