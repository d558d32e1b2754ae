package collectionrunner

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// The payload carries the latency in fractional milliseconds, like the API's
// totalMs, so a step streamed by progress and the same step read back agree.
func TestProgressPayloadFormat(t *testing.T) {
	t.Parallel()
	steps := []collection.StepResult{
		{Position: 0, Name: "login", Status: collection.StepPassed, Timings: collection.Timings{Total: 12*time.Millisecond + 345678*time.Nanosecond},
			Request: collection.RequestRecord{Method: "POST", URL: "http://api.test/login?key=••••"}, Response: &collection.ResponseRecord{Status: 201}, Tries: 1},
		{Position: 1, Name: "me", Status: collection.StepErrored, Error: "connection refused"},
	}
	var got map[string]any
	if err := json.Unmarshal(progressPayload(7, 2, collection.RunRunning, steps), &got); err != nil {
		t.Fatal(err)
	}
	want := `{"attempt":2,"run_id":7,"status":"running","steps":[{"error":"","http_status":201,"latency_ms":12.345,"method":"POST","name":"login","position":0,"status":"passed","tries":1,"url":"http://api.test/login?key=••••"},{"error":"connection refused","latency_ms":0,"name":"me","position":1,"status":"errored"}]}`
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
	var p collection.Progress
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
