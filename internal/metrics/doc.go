// Package metrics holds Catena's own Prometheus metrics: what its runs,
// scheduler, queue and alert deliveries are doing, so that the monitor can be
// monitored.
//
// One *Metrics per process, built by internal/cli and passed to the parts that
// record into it; there is no package-level registry. Every method is safe on
// a nil *Metrics (it records nothing), so parts built without metrics (tests,
// the Lambda) need no special case.
//
// Labels carry only names a user chose (monitor, collection, step, location)
// and small fixed vocabularies (outcome, trigger, phase, channel type, reason).
// A URL, an id or an error text never becomes a label: an outcome or reason
// outside its vocabulary is recorded as "other". Each metric keeps at most
// Config.SeriesLimit label sets; observations for a label set beyond that are
// dropped and counted in catena_metrics_series_dropped_total{metric}.
package metrics
