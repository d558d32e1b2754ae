package graph

import (
	"context"
	"errors"
	"time"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// maxCustomWindow bounds a CUSTOM stats window (a little over the default
// run retention).
const maxCustomWindow = 800 * 24 * time.Hour

var windowLengths = map[model.StatsWindow]time.Duration{
	model.StatsWindowHour:    time.Hour,
	model.StatsWindowDay:     24 * time.Hour,
	model.StatsWindowWeek:    7 * 24 * time.Hour,
	model.StatsWindowMonth:   30 * 24 * time.Hour,
	model.StatsWindowQuarter: 90 * 24 * time.Hour,
}

// statsWindow turns a StatsRange into [from, to) as of now.
func statsWindow(rg model.StatsRange, now time.Time) (time.Time, time.Time, error) {
	if rg.Window != model.StatsWindowCustom {
		d, ok := windowLengths[rg.Window]
		if !ok {
			return time.Time{}, time.Time{}, collection.Invalid("range.window", "unknown window %q", rg.Window)
		}
		if rg.From != nil || rg.To != nil {
			return time.Time{}, time.Time{}, collection.Invalid("range.from", "from and to are for a CUSTOM window only")
		}
		return now.Add(-d), now, nil
	}
	to := now
	if rg.To != nil {
		to = *rg.To
	}
	if rg.From == nil {
		return time.Time{}, time.Time{}, collection.Invalid("range.from", "a CUSTOM window needs from")
	}
	from := *rg.From
	if !from.Before(to) || to.Sub(from) > maxCustomWindow {
		return time.Time{}, time.Time{}, collection.Invalid("range.from", "from must be before to, at most %d days apart", int(maxCustomWindow/(24*time.Hour)))
	}
	return from, to, nil
}

func (r *queryResolver) monitorStats(ctx context.Context, monitorID string, rg model.StatsRange, collectionID *string) (*model.WindowStats, error) {
	id, err := parseID[collection.MonitorID](monitorID)
	if err != nil {
		return nil, nil //nolint:nilnil // an ID that names nothing is null, like monitor(id)
	}
	cid, err := optID[collection.CollectionID](collectionID)
	if err != nil {
		return nil, nil //nolint:nilnil // as above
	}
	now := r.Now()
	from, to, err := statsWindow(rg, now)
	if err != nil {
		return nil, err
	}
	p := store.StatsParams{MonitorID: id, CollectionID: cid, From: from, To: to}
	st, err := r.Store.WindowStats(ctx, p, now)
	if errors.Is(err, collection.ErrNotFound) {
		return nil, nil //nolint:nilnil // unknown monitor: null
	}
	if err != nil {
		return nil, err
	}
	out := &model.WindowStats{
		From: from, To: to, Runs: st.Runs, Passed: st.Passed, Failed: st.Failed, Errored: st.Errored,
		Missed: st.Missed, Cancelled: st.Cancelled, Uptime: st.Uptime, Apdex: st.Apdex,
		ApdexThresholdMs: int(st.ApdexT / time.Millisecond), SloTarget: st.SLOTarget, ErrorBudgetLeft: st.ErrorBudgetLeft,
		P50Ms: st.P50, P95Ms: st.P95, P99Ms: st.P99, PercentilesExact: st.Exact, Params: p, Now: now,
	}
	if !st.Seam.IsZero() {
		seam := st.Seam
		out.RolledUpBefore = &seam
	}
	return out, nil
}

// stepPhases are store.Phases as the API names them.
var stepPhases = [len(store.Phases)]model.StepPhase{model.StepPhaseDNS, model.StepPhaseConnect, model.StepPhaseTLS, model.StepPhaseFirstByte}

func (r *windowStatsResolver) windowSteps(ctx context.Context, obj *model.WindowStats) ([]model.StepWindowStats, error) {
	steps, err := r.Store.MonitorStepStats(ctx, obj.Params, obj.Now)
	if err != nil {
		return nil, err
	}
	out := make([]model.StepWindowStats, len(steps))
	for i, s := range steps {
		out[i] = model.StepWindowStats{
			Name: s.Name, Executed: s.Executed, Passed: s.Passed, Failed: s.Failed, Errored: s.Errored,
			P50Ms: s.P50, P95Ms: s.P95, P99Ms: s.P99, DNSMs: s.DNS, ConnectMs: s.Connect, TLSMs: s.TLS,
			FirstByteMs: s.FirstByte, PercentilesExact: s.Exact, Phases: make([]model.PhasePercentiles, len(s.Phases)),
		}
		for j, ph := range s.Phases {
			out[i].Phases[j] = model.PhasePercentiles{Phase: stepPhases[j], P50Ms: ph.P50, P95Ms: ph.P95, P99Ms: ph.P99}
		}
	}
	return out, nil
}

func (r *windowStatsResolver) windowSeries(ctx context.Context, obj *model.WindowStats) (*model.StatsSeries, error) {
	p := obj.Params
	var seam time.Time
	if obj.RolledUpBefore != nil {
		seam = *obj.RolledUpBefore
	}
	step := store.SeriesStep(p.From, p.To, seam)
	if step >= time.Hour {
		p.From = p.From.Truncate(step) // points on whole steps, matching the hourly rollups
	}
	points, err := r.Store.MonitorSeries(ctx, p, step, obj.Now)
	if err != nil {
		return nil, err
	}
	out := &model.StatsSeries{StepSeconds: int(step / time.Second), Points: make([]model.StatsPoint, len(points))}
	for i, pt := range points {
		out.Points[i] = model.StatsPoint{At: pt.At, Runs: pt.Runs, Passed: pt.Passed, Failed: pt.Failed, Errored: pt.Errored,
			Uptime: pt.Uptime(), Apdex: pt.Apdex(), AvgDurationMs: pt.AvgDuration}
	}
	return out, nil
}

func objectivesModel(o *store.Objectives) *model.MonitorObjectives {
	return &model.MonitorObjectives{ApdexThresholdMs: o.ApdexTMs, SloTarget: o.SLOTarget,
		RetentionBodiesDays: o.BodiesDays, RetentionTimingsDays: o.TimingsDays, RetentionRunsDays: o.RunsDays}
}
