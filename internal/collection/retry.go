package collection

import (
	"fmt"
	"slices"
	"time"
)

// Limits on retry before alerting.
const (
	MaxMonitorRetries   = 5
	MaxMonitorRetryWait = 10 * time.Minute
)

// MonitorRetry is a monitor's "retry before alerting": a scheduled run that
// fails or errors is run again, up to Retries times, Delay apart (at Location
// when set, else where it ran), and only the last run of the chain counts for
// the alert policy and the dashboard.
type MonitorRetry struct {
	Retries  int
	Delay    time.Duration
	Location string
}

// RetryChain links a retry to the run whose failure caused it.
type RetryChain struct {
	// Of is the first run of the chain (the scheduled one); nil on that run.
	Of *RunID
	// Attempt is 0 for the first run, n for the nth retry.
	Attempt int
	// Retried marks a run whose result was superseded by a retry: it does
	// not count for the alert policy or the dashboard.
	Retried bool
}

// RetryRunKey is the idempotency key of retry n of the chain started by run
// first: a finish replayed after a crash re-enqueues nothing.
func RetryRunKey(first RunID, n int) string { return fmt.Sprintf("retry:%d:%d", first, n) }

// NextRetry says whether a finished run of m is retried: it returns the
// attempt number of the retry (1-based) and true when the run failed or
// errored, comes from the schedule (or is itself a retry), and the chain has
// attempts left.
func (m *Monitor) NextRetry(r *Run) (int, bool) {
	if m.Retry.Retries <= 0 || (r.Status != RunFailed && r.Status != RunErrored) {
		return 0, false
	}
	if r.Trigger != TriggerSchedule && r.Trigger != TriggerRetry {
		return 0, false
	}
	next := r.Chain.Attempt + 1
	if next > m.Retry.Retries {
		return 0, false
	}
	return next, true
}

func validateRetry(v *ValidationError, m *Monitor) {
	r := m.Retry
	if r.Retries < 0 || r.Retries > MaxMonitorRetries {
		v.add("retry.retries", "", "retries %d must be between 0 and %d", r.Retries, MaxMonitorRetries)
	}
	if r.Delay < 0 || r.Delay > MaxMonitorRetryWait || r.Delay%time.Second != 0 {
		v.add("retry.delay", "", "retry delay %s must be whole seconds between 0s and %s", r.Delay, MaxMonitorRetryWait)
	}
	if r.Location != "" {
		switch {
		case len(r.Location) > MaxLocationLen || !locationRE.MatchString(r.Location):
			v.add("retry.location", "", "retry location %q must be 1-%d lower-case letters and digits, optionally joined by - or _", r.Location, MaxLocationLen)
		}
	}
}

func validateMonitorEnvironments(v *ValidationError, m *Monitor) {
	for _, id := range sortedIDs(m.Environments) {
		name := m.Environments[id]
		if name == "" {
			continue
		}
		if !slices.Contains(m.CollectionIDs, id) {
			v.add(fmt.Sprintf("environments.%d", id), "", "environment %q is chosen for collection %d, which the monitor does not run", name, id)
		}
		if !ValidEnvironmentName(name) {
			v.add(fmt.Sprintf("environments.%d", id), "", "environment name %q may hold only letters, digits, _ and -", name)
		}
	}
}

func sortedIDs(m map[CollectionID]string) []CollectionID {
	ids := make([]CollectionID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
