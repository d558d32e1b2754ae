package metrics

import (
	"cmp"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/catena-monitor/catena/internal/collection"
)

// DefaultSeriesLimit is how many label sets one metric keeps by default.
const DefaultSeriesLimit = 10_000

// maxLabelLen bounds a label value; longer names are cut (on a rune boundary).
const maxLabelLen = 128

// Config is the input of New.
type Config struct {
	// SeriesLimit caps the label sets per metric (CATENA_METRICS_SERIES_LIMIT;
	// default DefaultSeriesLimit).
	SeriesLimit int
	// Version and Revision label catena_build_info.
	Version, Revision string
}

// Metrics is one process's registry and the metric families Catena records.
type Metrics struct {
	reg     *prometheus.Registry
	limit   int
	dropped *prometheus.CounterVec

	runs              *limitedCounter
	runDuration       *limitedHistogram
	stepDuration      *limitedHistogram
	stepPhase         *prometheus.HistogramVec
	assertionFailures *limitedCounter
	slotLag           prometheus.Histogram
	slots             *prometheus.CounterVec
	deliveries        *limitedCounter
	attempts          *limitedCounter
	inFlight          *prometheus.GaugeVec
	capacity          *prometheus.GaugeVec
}

// histogramOpts gives a histogram both classic buckets (for every Prometheus)
// and a native histogram (for servers that scrape them: finer quantiles).
func histogramOpts(name, help string, buckets []float64) prometheus.HistogramOpts {
	return prometheus.HistogramOpts{
		Name: name, Help: help, Buckets: buckets,
		NativeHistogramBucketFactor:     1.1,
		NativeHistogramMaxBucketNumber:  160,
		NativeHistogramMinResetDuration: time.Hour,
	}
}

// New builds a registry with the Go runtime and process collectors,
// catena_build_info and every Catena metric family.
func New(cfg Config) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg, limit: cmp.Or(cfg.SeriesLimit, DefaultSeriesLimit)}
	m.dropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "catena_metrics_series_dropped_total",
		Help: "Observations dropped because their metric already had the maximum number of label sets (CATENA_METRICS_SERIES_LIMIT).",
	}, []string{"metric"})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "catena_build_info",
		Help: "Always 1; the labels say which Catena build this process runs.",
	}, []string{"version", "revision", "goversion"})
	build.WithLabelValues(cmp.Or(cfg.Version, "dev"), cfg.Revision, runtime.Version()).Set(1)

	m.runs = m.counter(prometheus.CounterOpts{
		Name: "catena_runs_total",
		Help: "Runs that reached a final state, by monitor (empty for runs not started by a monitor), collection, location, trigger and outcome.",
	}, "monitor", "collection", "location", "trigger", "outcome")
	m.runDuration = m.histogram(histogramOpts("catena_run_duration_seconds",
		"Time a run took from its first step to its last, by collection, location and outcome.",
		[]float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}),
		"collection", "location", "outcome")
	m.stepDuration = m.histogram(histogramOpts("catena_step_duration_seconds",
		"Time one executed step's request took (all tries), by collection, step, location and outcome; skipped steps are not observed.",
		[]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}),
		"collection", "step", "location", "outcome")
	m.stepPhase = prometheus.NewHistogramVec(histogramOpts("catena_step_phase_seconds",
		"Time of one phase of a step's HTTP exchange: dns, connect and tls when a new connection was made, first_byte for every response.",
		[]float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}),
		[]string{"phase"})
	m.assertionFailures = m.counter(prometheus.CounterOpts{
		Name: "catena_assertion_failures_total",
		Help: "Assertions that did not hold, by collection, step, source and comparison.",
	}, "collection", "step", "source", "comparison")
	m.slotLag = prometheus.NewHistogram(histogramOpts("catena_scheduler_slot_lag_seconds",
		"Time from a monitor's due time (its slot plus its deliberate per-monitor jitter, which is chosen and so not lag) to the enqueue of its runs.",
		[]float64{0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60}))
	m.slots = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "catena_scheduler_slots_total",
		Help: "Slot × collection × location targets the scheduler handled: enqueued, or missed_<reason> (overlap, scheduler_down, dst_gap, stale, other).",
	}, []string{"result"})
	m.deliveries = m.counter(prometheus.CounterOpts{
		Name: "catena_alert_deliveries_total",
		Help: "Alert deliveries settled, by channel type and outcome (delivered or failed).",
	}, "channel_type", "outcome")
	m.attempts = m.counter(prometheus.CounterOpts{
		Name: "catena_alert_delivery_attempts_total",
		Help: "Alert sends attempted, by channel type and outcome (success, retry, failed).",
	}, "channel_type", "outcome")
	m.inFlight = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "catena_runner_runs_in_flight",
		Help: "Runs this runner is executing now, by the location whose queue it serves.",
	}, []string{"location"})
	m.capacity = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "catena_runner_capacity",
		Help: "Runs this runner executes at once at most (--concurrency), by location.",
	}, []string{"location"})

	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build, m.dropped,
		m.runs.vec, m.runDuration.vec, m.stepDuration.vec, m.stepPhase, m.assertionFailures.vec,
		m.slotLag, m.slots, m.deliveries.vec, m.attempts.vec, m.inFlight, m.capacity,
	)
	return m
}

// Registry is where other parts of the process (the GraphQL API) register
// their own metrics, so one /metrics serves them all.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the text or protobuf exposition format
// (protobuf carries the native histograms).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, MaxRequestsInFlight: 4, Timeout: 10 * time.Second})
}

// RunFinished records a run that reached a final state: the run, its steps
// (duration, phases) and failed assertions. monitor is the monitor's name, or
// "" for a run no monitor started.
func (m *Metrics) RunFinished(run *collection.Run, monitor string) {
	if m == nil || run == nil {
		return
	}
	outcome := runOutcome(run.Status)
	coll, loc := labelValue(run.Snapshot.Name), labelValue(run.Location)
	m.runs.inc(labelValue(monitor), coll, loc, trigger(run.Trigger), outcome)
	if run.Status == collection.RunMissed {
		return // never executed: no duration, no steps
	}
	m.runDuration.observe(run.Duration.Seconds(), coll, loc, outcome)
	for i := range run.Steps {
		s := &run.Steps[i]
		if s.Status == collection.StepSkipped {
			continue
		}
		step := labelValue(s.Name)
		if s.Response != nil || s.Timings.Total > 0 {
			m.stepDuration.observe(s.Timings.Total.Seconds(), coll, step, loc, stepOutcome(s.Status))
		}
		for _, p := range []struct {
			name string
			d    time.Duration
		}{{"dns", s.Timings.DNS}, {"connect", s.Timings.Connect}, {"tls", s.Timings.TLS}, {"first_byte", s.Timings.FirstByte}} {
			// A reused connection has no dns/connect/tls phase: zero is "not
			// measured", not "instant", and would pull the quantiles down.
			if p.d > 0 {
				m.stepPhase.WithLabelValues(p.name).Observe(p.d.Seconds())
			}
		}
		for _, a := range s.Assertions {
			if !a.Passed {
				m.assertionFailures.inc(coll, step, word(string(a.Source)), word(string(a.Comparison)))
			}
		}
	}
}

// RunEnded counts, in catena_runs_total only, a run that ended without a
// runner finishing it (swept as errored when its runner was lost, cancelled
// while queued): it has no duration or steps to observe.
func (m *Metrics) RunEnded(monitor, collectionName, location string, trig collection.Trigger, status collection.RunStatus) {
	if m == nil {
		return
	}
	m.runs.inc(labelValue(monitor), labelValue(collectionName), labelValue(location), trigger(trig), runOutcome(status))
}

// SlotEnqueued records runs enqueued for a slot: n targets, lag after the slot.
func (m *Metrics) SlotEnqueued(n int, lag time.Duration) { m.SlotsEnqueued(n, []time.Duration{lag}) }

// SlotsEnqueued records n runs created by one scheduler batch and the lag of
// each slot the batch enqueued.
func (m *Metrics) SlotsEnqueued(n int, lags []time.Duration) {
	if m == nil || n <= 0 {
		return
	}
	m.slots.WithLabelValues("enqueued").Add(float64(n))
	for _, lag := range lags {
		m.slotLag.Observe(max(lag, 0).Seconds())
	}
}

// SlotMissed records one slot target recorded missed, with the row's error
// (its reason comes first: "scheduler_down: 3 slot(s) …"), and counts the
// missed run in catena_runs_total.
func (m *Metrics) SlotMissed(monitor, collectionName, location, reason string) {
	if m == nil {
		return
	}
	m.slots.WithLabelValues("missed_" + missedReason(reason)).Inc()
	m.RunEnded(monitor, collectionName, location, collection.TriggerSchedule, collection.RunMissed)
}

// Alert delivery outcomes.
const (
	AttemptSuccess   = "success"
	AttemptRetry     = "retry"
	AttemptFailed    = "failed"
	DeliveryDone     = "delivered"
	DeliveryGaveUp   = "failed"
	unknownChannelTy = "unknown"
)

// DeliveryAttempt records one send to a channel of type channelType.
func (m *Metrics) DeliveryAttempt(channelType, outcome string) {
	if m == nil {
		return
	}
	m.attempts.inc(channelTypeLabel(channelType), word(outcome))
}

// DeliverySettled records a delivery that ended delivered or failed.
func (m *Metrics) DeliverySettled(channelType, outcome string) {
	if m == nil {
		return
	}
	m.deliveries.inc(channelTypeLabel(channelType), word(outcome))
}

// RunnerCapacity sets the runner's capacity for location.
func (m *Metrics) RunnerCapacity(location string, n int) {
	if m == nil {
		return
	}
	m.capacity.WithLabelValues(labelValue(location)).Set(float64(n))
	m.inFlight.WithLabelValues(labelValue(location)).Add(0)
}

// RunStarted and RunDone bracket one run a runner executes.
func (m *Metrics) RunStarted(location string) {
	if m != nil {
		m.inFlight.WithLabelValues(labelValue(location)).Inc()
	}
}

// RunDone ends what RunStarted began.
func (m *Metrics) RunDone(location string) {
	if m != nil {
		m.inFlight.WithLabelValues(labelValue(location)).Dec()
	}
}

func runOutcome(s collection.RunStatus) string {
	switch s {
	case collection.RunPassed, collection.RunFailed, collection.RunErrored, collection.RunMissed, collection.RunCancelled:
		return string(s)
	}
	return "other"
}

func stepOutcome(s collection.StepStatus) string {
	for _, known := range collection.StepStatuses {
		if s == known {
			return string(s)
		}
	}
	return "other"
}

func trigger(t collection.Trigger) string {
	switch t {
	case collection.TriggerManual, collection.TriggerSchedule, collection.TriggerCLI, collection.TriggerAPI, collection.TriggerRetry:
		return string(t)
	}
	return "other"
}

// missedReason keeps the reason word in front of a missed row's error and
// drops the free text after it.
func missedReason(e string) string {
	reason, _, _ := strings.Cut(e, ":")
	switch reason = strings.TrimSpace(reason); reason {
	case collection.MissedOverlap, collection.MissedSchedulerDown, collection.MissedDSTGap, collection.MissedStale, collection.MissedUnknownEnvironment:
		return reason
	}
	return "other"
}

func channelTypeLabel(t string) string {
	if t == "" {
		return unknownChannelTy
	}
	return word(t)
}

// word passes a value from a small fixed vocabulary (an assertion source, a
// comparison, a channel type: lower-case letters, digits, _) and turns
// anything else into "other", so free text cannot become a label.
func word(s string) string {
	if s == "" || len(s) > 32 {
		return "other"
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return "other"
		}
	}
	return s
}

// labelValue makes a user-chosen name a valid, bounded label value.
func labelValue(s string) string {
	s = strings.ToValidUTF8(s, "�")
	if len(s) <= maxLabelLen {
		return s
	}
	cut := maxLabelLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// seriesCap admits at most limit distinct label sets to one metric and counts
// what it turns away.
type seriesCap struct {
	limit   int
	dropped prometheus.Counter
	mu      sync.Mutex
	seen    map[string]struct{}
}

func (m *Metrics) newCap(name string) *seriesCap {
	// The dropped series exists (at 0) from the start, so a rule on it has
	// something to compare with.
	return &seriesCap{limit: m.limit, dropped: m.dropped.WithLabelValues(name), seen: map[string]struct{}{}}
}

func (c *seriesCap) admit(values []string) bool {
	key := strings.Join(values, "\xff")
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[key]; ok {
		return true
	}
	if len(c.seen) >= c.limit {
		c.dropped.Inc()
		return false
	}
	c.seen[key] = struct{}{}
	return true
}

type limitedCounter struct {
	vec *prometheus.CounterVec
	cap *seriesCap
}

func (m *Metrics) counter(opts prometheus.CounterOpts, labels ...string) *limitedCounter {
	return &limitedCounter{vec: prometheus.NewCounterVec(opts, labels), cap: m.newCap(opts.Name)}
}

func (c *limitedCounter) inc(values ...string) {
	if c.cap.admit(values) {
		c.vec.WithLabelValues(values...).Inc()
	}
}

type limitedHistogram struct {
	vec *prometheus.HistogramVec
	cap *seriesCap
}

func (m *Metrics) histogram(opts prometheus.HistogramOpts, labels ...string) *limitedHistogram {
	return &limitedHistogram{vec: prometheus.NewHistogramVec(opts, labels), cap: m.newCap(opts.Name)}
}

func (h *limitedHistogram) observe(v float64, values ...string) {
	if h.cap.admit(values) {
		h.vec.WithLabelValues(values...).Observe(v)
	}
}
