package graph

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
)

// pollEvery is the safety net of a run subscription: when no notification
// arrived for this long, the run is reloaded from the database (a LISTEN
// connection can be lost without the listener noticing at once).
const pollEvery = 5 * time.Second

// watchRun emits the run's current state, then each change in order, and
// closes the channel after the final state.
func (r *Resolver) watchRun(ctx context.Context, id collection.RunID) (<-chan *collection.Run, error) {
	if r.Progress == nil {
		return nil, errors.New("run progress is not available in this process")
	}
	updates, cancel, err := r.Progress.Subscribe(ctx, id)
	if err != nil {
		return nil, err
	}
	run, err := r.Store.GetRun(ctx, id)
	if err != nil {
		cancel()
		return nil, err
	}
	out := make(chan *collection.Run, 1)
	go func() {
		defer close(out)
		defer cancel()
		send := func(run *collection.Run) bool {
			c := *run
			c.Snapshot.Secrets = nil
			c.Steps = slices.Clone(run.Steps)
			if c.Steps == nil {
				c.Steps = []collection.StepResult{}
			}
			select {
			case out <- &c:
				return true
			case <-ctx.Done():
				return false
			}
		}
		if !send(run) || run.Status.Final() {
			return
		}
		reload := func() (*collection.Run, bool) {
			fresh, err := r.Store.GetRun(ctx, id)
			if err != nil {
				if ctx.Err() == nil {
					r.Log.WarnContext(ctx, "reloading run for subscription", "run_id", id, "err", err)
				}
				return nil, false
			}
			return fresh, true
		}
		timer := time.NewTimer(pollEvery)
		defer timer.Stop()
		for {
			var next *collection.Run
			select {
			case <-ctx.Done():
				return
			case u := <-updates:
				if u.Resync {
					fresh, ok := reload()
					if !ok {
						continue
					}
					next = fresh
				} else {
					next = mergeProgress(run, u)
				}
			case <-timer.C:
				fresh, ok := reload()
				if !ok {
					timer.Reset(pollEvery)
					continue
				}
				next = fresh
			}
			timer.Reset(pollEvery)
			if next == nil || !changed(run, next) {
				continue
			}
			if next.Status.Final() {
				// The final state is sent whole, as stored (assertions, bodies).
				if fresh, ok := reload(); ok && fresh.Status.Final() {
					next = fresh
				}
			}
			run = next
			if !send(run) || run.Status.Final() {
				return
			}
		}
	}()
	return out, nil
}

// mergeProgress applies a progress payload to the last known state. Steps the
// run already has in full are kept; new ones are built from the payload.
// Updates of an older attempt are ignored (nil).
func mergeProgress(run *collection.Run, u ProgressUpdate) *collection.Run {
	if u.Attempt < run.Attempt {
		return nil
	}
	next := *run
	next.Status = u.Status
	var keep []collection.StepResult
	if u.Attempt == run.Attempt {
		keep = run.Steps
	}
	next.Attempt = u.Attempt
	next.Steps = make([]collection.StepResult, 0, len(u.Steps))
	for _, s := range u.Steps {
		if i := slices.IndexFunc(keep, func(k collection.StepResult) bool { return k.Position == s.Position }); i >= 0 && keep[i].Status == s.Status && keep[i].Tries == s.Tries {
			next.Steps = append(next.Steps, keep[i])
			continue
		}
		step := collection.StepResult{
			RunID: run.ID, Attempt: u.Attempt, Position: s.Position, Name: s.Name, Status: s.Status, Error: s.Error,
			Request: collection.RequestRecord{Method: s.Method, URL: s.URL}, Tries: s.Tries,
			Timings: collection.Timings{Total: s.Latency()},
		}
		if s.HTTPStatus > 0 {
			step.Response = &collection.ResponseRecord{Status: s.HTTPStatus}
		}
		next.Steps = append(next.Steps, step)
	}
	return &next
}

// changed reports whether b is worth sending after a.
func changed(a, b *collection.Run) bool {
	if a.Status != b.Status || a.Attempt != b.Attempt || len(a.Steps) != len(b.Steps) {
		return true
	}
	for i := range a.Steps {
		if a.Steps[i].Status != b.Steps[i].Status || a.Steps[i].Position != b.Steps[i].Position || a.Steps[i].Tries != b.Steps[i].Tries {
			return true
		}
	}
	return false
}

var locationRE = regexp.MustCompile(`^[a-z0-9]+([_-][a-z0-9]+)*$`)

// checkLocation normalises and checks a location argument.
func checkLocation(s string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if l == "" || len(l) > collection.MaxLocationLen || !locationRE.MatchString(l) {
		return "", collection.Invalid("location", "location %q must be 1-%d lower-case letters and digits, optionally joined by - or _ (e.g. eu-west-1)", s, collection.MaxLocationLen)
	}
	return l, nil
}

func emptyRuns() *model.RunConnection {
	return &model.RunConnection{Edges: []model.RunEdge{}, PageInfo: pageInfo(false, "", "")}
}
