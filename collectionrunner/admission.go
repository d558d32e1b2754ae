package collectionrunner

import (
	"cmp"
	"context"
	"math"
	"runtime/metrics"
	"sync"
	"time"
)

// Defaults for AdmissionConfig.
const (
	// DefaultMaxSchedLatency is the p99 goroutine scheduling latency above
	// which the worker starts no new run: past it, the runs in flight wait for
	// CPU themselves, and that wait would show up in their steps' latency.
	DefaultMaxSchedLatency = 20 * time.Millisecond
	defaultAdmissionPoll   = 10 * time.Millisecond
)

// AdmissionConfig tunes when the worker may start another run.
type AdmissionConfig struct {
	// MaxSchedLatency is the scheduling latency (p99 over the last sample
	// window) above which new runs wait (default DefaultMaxSchedLatency;
	// negative: never wait).
	MaxSchedLatency time.Duration
	// MinInFlight runs are always admitted whatever the pressure, so an
	// overloaded host still makes progress (default 1).
	MinInFlight int
	// Pressure returns the current scheduling latency; default reads the
	// process's /sched/latencies:seconds (runtime/metrics).
	Pressure func() time.Duration
	// Poll is how often a waiting run looks again (default 10ms).
	Poll time.Duration
	// Hold, when set and true, holds new runs back whatever the pressure
	// (beyond MinInFlight): catena serve holds them while its scheduler
	// enqueues a slot's runs.
	Hold func() bool
}

// admission holds back new runs while the process is short of CPU. The cap on
// runs in flight is the queue's (CATENA_RUNNER_CONCURRENCY, River's
// MaxWorkers); this decides whether a job River handed over starts now.
type admission struct {
	max      time.Duration
	min      int
	pressure func() time.Duration
	poll     time.Duration
	hold     func() bool

	mu       sync.Mutex
	inFlight int
	// Runs started in the current window of length poll: a burst of jobs
	// (a whole fetch of them) is let in a share at a time, so the pressure
	// reading can catch up with the runs already started.
	window   time.Time
	inWindow int
}

// minBurst is how many runs may start per window however few are in flight;
// a window lets in a quarter of the runs in flight beyond that.
const minBurst = 16

func newAdmission(cfg AdmissionConfig) *admission {
	a := &admission{
		max:      cmp.Or(cfg.MaxSchedLatency, DefaultMaxSchedLatency),
		min:      max(cfg.MinInFlight, 1),
		pressure: cfg.Pressure,
		poll:     cmp.Or(cfg.Poll, defaultAdmissionPoll),
		hold:     cfg.Hold,
	}
	if a.pressure == nil {
		a.pressure = newSchedProbe(a.poll).latency
	}
	return a
}

// admit waits until a run may start, then counts it in flight; call the
// returned release when it ends. It returns ctx's error if ctx ends first.
func (a *admission) admit(ctx context.Context) (release func(), err error) {
	var t *time.Ticker
	for {
		if a.tryAdmit() {
			return a.release, nil
		}
		if t == nil {
			t = time.NewTicker(a.poll)
			defer t.Stop()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func (a *admission) tryAdmit() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if now := time.Now(); now.Sub(a.window) >= a.poll {
		a.window, a.inWindow = now, 0
	}
	if a.inFlight >= a.min {
		if a.hold != nil && a.hold() {
			return false
		}
		if a.max >= 0 && (a.inWindow >= max(minBurst, a.inFlight/4) || a.pressure() > a.max) {
			return false
		}
	}
	a.inFlight++
	a.inWindow++
	return true
}

func (a *admission) release() {
	a.mu.Lock()
	a.inFlight--
	a.mu.Unlock()
}

// running is how many admitted runs have not been released.
func (a *admission) running() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inFlight
}

// schedProbe reads the p99 goroutine scheduling latency (time spent runnable
// before running) over the window since its previous reading, reading the
// histogram at most once per interval.
type schedProbe struct {
	every time.Duration

	mu     sync.Mutex
	sample []metrics.Sample
	prev   []uint64
	last   time.Time
	value  time.Duration
}

const schedLatencyMetric = "/sched/latencies:seconds"

func newSchedProbe(every time.Duration) *schedProbe {
	return &schedProbe{every: every, sample: []metrics.Sample{{Name: schedLatencyMetric}}}
}

func (p *schedProbe) latency() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !p.last.IsZero() && now.Sub(p.last) < p.every {
		return p.value
	}
	p.last = now
	metrics.Read(p.sample)
	if p.sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0 // not in this Go version: no pressure signal
	}
	h := p.sample[0].Value.Float64Histogram()
	if len(p.prev) != len(h.Counts) {
		p.prev = make([]uint64, len(h.Counts))
	}
	var total uint64
	for i, c := range h.Counts {
		total += c - p.prev[i]
	}
	p.value = 0
	if total > 0 {
		want, seen := total-total/100, uint64(0) // the 99th percentile
		for i, c := range h.Counts {
			seen += c - p.prev[i]
			if seen >= want {
				// Buckets[i+1] is bucket i's upper bound; the last is +Inf.
				upper := h.Buckets[i+1]
				if math.IsInf(upper, 1) {
					upper = h.Buckets[i]
				}
				p.value = time.Duration(upper * float64(time.Second))
				break
			}
		}
	}
	copy(p.prev, h.Counts)
	return p.value
}
