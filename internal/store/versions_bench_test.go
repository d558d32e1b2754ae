package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// BenchmarkUpdateStepWithVersion is one step edit of a 50-step collection,
// which now also writes its version: the YAML document and its diff.
func BenchmarkUpdateStepWithVersion(b *testing.B) {
	s, _ := newTestStore(b)
	ctx := context.Background()
	c := &collection.Collection{Name: "big"}
	for i := range collection.MaxSteps {
		c.Steps = append(c.Steps, collection.Step{Name: fmt.Sprintf("s%d", i), Method: "GET", URL: fmt.Sprintf("http://127.0.0.1:1/%d", i),
			Headers:    map[string]string{"Accept": "application/json"},
			Assertions: []collection.Assertion{{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"}}})
	}
	c, err := s.CreateCollection(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	st := c.Steps[25]
	n := 0
	for b.Loop() {
		n++
		st.URL = fmt.Sprintf("http://127.0.0.1:1/edit/%d", n)
		if _, err := s.UpdateStep(ctx, st.ID, st); err != nil {
			b.Fatal(err)
		}
	}
}
