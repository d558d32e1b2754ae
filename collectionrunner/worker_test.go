package collectionrunner

import (
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// The worker's end-to-end tests (real Postgres, River, the store) live in
// internal/cli/runner_test.go, where the store may be imported.

func TestJobTimeoutCoversEveryTry(t *testing.T) {
	t.Parallel()
	c := &collection.Collection{Steps: []collection.Step{
		{Name: "a"}, // default 10s
		{Name: "b", Timeout: collection.Duration(2 * time.Second)},
		{Name: "c", Timeout: collection.Duration(time.Second), Retry: &collection.Retry{Attempts: 5, Interval: collection.Duration(3 * time.Second)}},
	}}
	want := 10*time.Second + 2*time.Second + 5*time.Second + 4*3*time.Second + jobTimeoutMargin
	if got := jobTimeout(c); got != want {
		t.Errorf("jobTimeout = %s, want %s", got, want)
	}
}

func TestStepTrackerRecordsOnlyNewSteps(t *testing.T) {
	t.Parallel()
	tr := &stepTracker{run: 3, attempt: 2}
	tr.add(collection.StepResult{Position: 0})
	tr.add(collection.StepResult{Position: 1})
	pending, from := tr.unrecorded()
	if len(pending) != 2 || from != 0 || pending[1].RunID != 3 || pending[1].Attempt != 2 {
		t.Fatalf("pending %+v from %d", pending, from)
	}
	tr.markRecorded(from + len(pending))
	tr.add(collection.StepResult{Position: 2})
	if pending, from = tr.unrecorded(); len(pending) != 1 || from != 2 || pending[0].Position != 2 {
		t.Errorf("after recording 2: pending %+v from %d", pending, from)
	}
	if tr.recorded() != 2 {
		t.Errorf("recorded = %d, want 2", tr.recorded())
	}
}
