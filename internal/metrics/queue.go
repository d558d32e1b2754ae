package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// QueueStat is the number of jobs of one run queue in one state. OldestAge
// is set on the "available" row: how long its oldest job has waited for a
// runner.
type QueueStat struct {
	Location  string
	State     string
	Jobs      int
	OldestAge time.Duration
}

// QueueSource reads the run queues' state (the store's QueueStats).
type QueueSource func(ctx context.Context) ([]QueueStat, error)

// queueStates are reported for every known queue, zero when empty, so a
// series does not vanish when its queue drains.
var queueStates = []string{"available", "pending", "retryable", "running", "scheduled"}

// queueScrapeTimeout bounds the query one scrape makes.
const queueScrapeTimeout = 3 * time.Second

// WatchQueue adds catena_queue_jobs{location,state} and
// catena_queue_oldest_job_age_seconds{location}, read from src at each
// scrape. The queue is shared, so any process may export it; Catena does in
// the gateway and the scheduler.
func (m *Metrics) WatchQueue(src QueueSource, log *slog.Logger) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&queueCollector{
		src: src, log: log,
		jobs: prometheus.NewDesc("catena_queue_jobs", "Jobs in a location's run queue, by state (available: waiting for a runner).",
			[]string{"location", "state"}, nil),
		age: prometheus.NewDesc("catena_queue_oldest_job_age_seconds", "How long the oldest available job of a location's run queue has waited (0 when none waits).",
			[]string{"location"}, nil),
		errs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "catena_queue_scrape_errors_total", Help: "Scrapes whose queue query failed (the queue series are then missing).",
		}),
	})
}

type queueCollector struct {
	src       QueueSource
	log       *slog.Logger
	jobs, age *prometheus.Desc
	errs      prometheus.Counter
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.jobs
	ch <- c.age
	c.errs.Describe(ch)
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	defer c.errs.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), queueScrapeTimeout)
	defer cancel()
	stats, err := c.src(ctx)
	if err != nil {
		c.errs.Inc()
		if c.log != nil {
			c.log.Warn("reading queue metrics", "error", err)
		}
		return
	}
	type key struct{ loc, state string }
	jobs := map[key]int{}
	for _, s := range stats {
		if s.State == "" {
			continue // a known queue with no row: reported as zeros
		}
		jobs[key{labelValue(s.Location), word(s.State)}] += s.Jobs
	}
	for loc, a := range OldestAges(stats) {
		for _, st := range queueStates {
			ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(jobs[key{loc, st}]), loc, st)
		}
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, a.Seconds(), loc)
	}
}

// OldestAges is how long the oldest available job of each location's run
// queue has waited, every known queue present (0 when none waits); locations
// are cut to label length.
func OldestAges(stats []QueueStat) map[string]time.Duration {
	age := map[string]time.Duration{}
	for _, s := range stats {
		loc := labelValue(s.Location)
		if _, ok := age[loc]; !ok {
			age[loc] = 0
		}
		if s.State == "available" && s.OldestAge > age[loc] {
			age[loc] = s.OldestAge
		}
	}
	return age
}
