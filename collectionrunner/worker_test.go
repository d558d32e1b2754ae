package collectionrunner

import (
	"encoding/json"
	"strings"
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
	if got := JobTimeout(c); got != want {
		t.Errorf("JobTimeout = %s, want %s", got, want)
	}
}

func TestProgressPayloadFormat(t *testing.T) {
	t.Parallel()
	steps := []collection.StepResult{
		{Position: 0, Name: "login", Status: collection.StepPassed, Timings: collection.Timings{Total: 12 * time.Millisecond}},
		{Position: 1, Name: "me", Status: collection.StepErrored, Error: "connection refused"},
	}
	var got map[string]any
	if err := json.Unmarshal(progressPayload(7, 2, collection.RunRunning, steps), &got); err != nil {
		t.Fatal(err)
	}
	want := `{"attempt":2,"run_id":7,"status":"running","steps":[{"error":"","latency_ms":12,"name":"login","position":0,"status":"passed"},{"error":"connection refused","latency_ms":0,"name":"me","position":1,"status":"errored"}]}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Errorf("payload\n got %s\nwant %s", b, want)
	}
}

func TestProgressPayloadStaysUnderTheNotifyLimit(t *testing.T) {
	t.Parallel()
	var steps []collection.StepResult
	for i := range collection.MaxSteps {
		steps = append(steps, collection.StepResult{
			Position: i, Name: strings.Repeat("n", 100), Status: collection.StepFailed,
			Error: strings.Repeat("é", 2000),
		})
	}
	b := progressPayload(1, 1, collection.RunRunning, steps)
	if len(b) > maxProgressPayload {
		t.Fatalf("payload is %d bytes; at most %d", len(b), maxProgressPayload)
	}
	var p Progress
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("truncated payload is not JSON: %v", err)
	}
	if len(p.Steps) == 0 || p.Steps[len(p.Steps)-1].Position != collection.MaxSteps-1 {
		t.Errorf("the latest step was dropped: %d steps kept", len(p.Steps))
	}
	// A few steps with long errors keep a shortened message rather than none.
	b = progressPayload(1, 1, collection.RunRunning, steps[:3])
	if err := json.Unmarshal(b, &p); err != nil || len(p.Steps) != 3 || p.Steps[0].Error == "" || len([]rune(p.Steps[0].Error)) > 200 {
		t.Errorf("3 steps: %d bytes, %+v", len(b), p.Steps)
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
