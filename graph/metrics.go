package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts GraphQL operations for /metrics.
type Metrics struct {
	ops      *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the API's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "catena_graphql_operations_total",
			Help: "GraphQL operations answered, by operation type and whether the response carried errors.",
		}, []string{"type", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "catena_graphql_operation_duration_seconds",
			Help:    "Time to answer a GraphQL query or mutation.",
			Buckets: prometheus.DefBuckets,
		}, []string{"type"}),
	}
	reg.MustRegister(m.ops, m.duration)
	return m
}

// aroundResponses observes each response (each event, for subscriptions).
func (m *Metrics) aroundResponses(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	if resp == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	oc := graphql.GetOperationContext(ctx)
	typ := "unknown"
	if oc.Operation != nil {
		typ = string(oc.Operation.Operation)
	}
	result := "ok"
	if len(resp.Errors) > 0 {
		result = "error"
	}
	m.ops.WithLabelValues(typ, result).Inc()
	if typ != "subscription" {
		m.duration.WithLabelValues(typ).Observe(time.Since(start).Seconds())
	}
	return resp
}
