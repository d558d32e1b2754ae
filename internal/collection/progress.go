package collection

import "time"

// ProgressChannel is the Postgres NOTIFY channel runners publish run progress
// on; the gateway LISTENs to it for the runUpdated subscription. It lives
// here, next to RunJob, so the runner and the gateway share it without
// importing each other.
const ProgressChannel = "catena_run_progress"

// Progress is the JSON document published on ProgressChannel: a run's status
// and every step finished so far in this attempt (cumulative, so a watcher
// that misses one loses no step).
type Progress struct {
	RunID   RunID          `json:"run_id"`
	Attempt int            `json:"attempt"`
	Status  RunStatus      `json:"status"`
	Steps   []ProgressStep `json:"steps"`
}

// ProgressStep is one finished step in a Progress document, or the running
// step of a polling step (Status StepRunning) after each try that did not hold.
type ProgressStep struct {
	Position int        `json:"position"`
	Name     string     `json:"name"`
	Status   StepStatus `json:"status"`
	// Method and URL are the request as sent (the URL redacted, as stored).
	Method string `json:"method,omitempty"`
	URL    string `json:"url,omitempty"`
	// HTTPStatus is the last response's status code; 0 when none arrived.
	HTTPStatus int `json:"http_status,omitempty"`
	// Tries is how many times the request was sent so far.
	Tries int `json:"tries,omitempty"`
	// LatencyMS is the step's total time in fractional milliseconds, as the
	// API's Timings.totalMs shows it.
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error"`
}

// Latency is LatencyMS as a duration.
func (s ProgressStep) Latency() time.Duration {
	return time.Duration(s.LatencyMS * float64(time.Millisecond))
}
