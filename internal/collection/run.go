package collection

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// RunStatus is where a run is in its life. Queued and running are the only
// non-final states.
type RunStatus string

// Run statuses.
const (
	RunQueued    RunStatus = "queued"
	RunRunning   RunStatus = "running"
	RunPassed    RunStatus = "passed"
	RunFailed    RunStatus = "failed"
	RunErrored   RunStatus = "errored"
	RunMissed    RunStatus = "missed"
	RunCancelled RunStatus = "cancelled"
)

// RunStatuses lists every run status.
var RunStatuses = []RunStatus{RunQueued, RunRunning, RunPassed, RunFailed, RunErrored, RunMissed, RunCancelled}

// Final reports whether the status can no longer change.
func (s RunStatus) Final() bool { return s != RunQueued && s != RunRunning }

// Trigger says what started a run.
type Trigger string

// Triggers.
const (
	TriggerManual   Trigger = "manual"
	TriggerSchedule Trigger = "schedule"
	TriggerCLI      Trigger = "cli"
	TriggerAPI      Trigger = "api"
	// TriggerRetry: a monitor's retry before alerting (MonitorRetry).
	TriggerRetry Trigger = "retry"
)

// Missed-run reasons.
const (
	MissedOverlap       = "overlap"
	MissedSchedulerDown = "scheduler_down"
	MissedStale         = "stale"
	MissedDSTGap        = "dst_gap"
	// MissedSchedulerLag: a slot passed while the scheduler ran but was behind;
	// a later slot of the monitor ran in its place.
	MissedSchedulerLag = "scheduler_lag"
	// MissedUnknownEnvironment: the monitor picked an environment the
	// collection no longer has (deleting one a monitor uses is refused, so
	// only a race gets here).
	MissedUnknownEnvironment = "unknown_environment"
)

// DefaultLocation is where runs go when no location is chosen.
const DefaultLocation = "local"

// Run is one execution of a collection, with a snapshot of the collection as it
// was when the run was queued.
type Run struct {
	ID           RunID
	CollectionID *CollectionID // nil when the collection was deleted since
	MonitorID    *MonitorID
	Location     string
	Trigger      Trigger
	Status       RunStatus
	Snapshot     Collection
	// IdempotencyKey is unique: scheduled runs use (monitor, collection, location, slot).
	IdempotencyKey string
	ScheduledFor   *time.Time
	QueuedAt       time.Time
	StartedAt      *time.Time
	FinishedAt     *time.Time
	Duration       time.Duration
	// Error says why a run errored, was missed or cancelled ("cancelled", "runner_lost", "overlap").
	Error   string
	Attempt int
	// Quiet says why the run's alerts were held (`maintenance window "NAME"`,
	// `a mute`); "" when they were not.
	Quiet string
	Steps []StepResult
	// Environment is the environment the run used ("" for none).
	Environment string
	// Chain links a monitor's retries to the run they retry.
	Chain RetryChain
}

// StepStatus is the outcome of one step.
type StepStatus string

// Step statuses.
const (
	StepPassed  StepStatus = "passed"
	StepFailed  StepStatus = "failed"
	StepErrored StepStatus = "errored"
	StepSkipped StepStatus = "skipped"
	// StepInterrupted marks a step cut off when its runner was lost mid-request.
	StepInterrupted StepStatus = "interrupted"
	// StepRunning is a polling step between tries. It appears only in live
	// progress (Progress), never in a stored result, so StepStatuses omits it.
	StepRunning StepStatus = "running"
)

// StepStatuses lists every step status.
var StepStatuses = []StepStatus{StepPassed, StepFailed, StepErrored, StepSkipped, StepInterrupted}

// Worse returns the more severe of two outcomes (errored > failed > passed),
// which is how a run's outcome follows from its steps.
func Worse(a, b RunStatus) RunStatus {
	rank := map[RunStatus]int{RunPassed: 0, RunFailed: 1, RunErrored: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// StepResult is what happened to one step in one attempt of a run.
type StepResult struct {
	RunID    RunID
	Attempt  int
	Position int // 0-based position in the snapshot
	Name     string
	Status   StepStatus
	// ErrorCode is stable (interpolation_unresolved, timeout, connection_refused…);
	// Error is the message for a person.
	ErrorCode  string
	Error      string
	Request    RequestRecord
	Response   *ResponseRecord
	Timings    Timings
	TraceID    string
	Tries      int // how many times the request was sent (retry polling)
	Insecure   bool
	StartedAt  time.Time
	Assertions []AssertionResult
	// Browser is what a browser step saw; nil for an HTTP step.
	Browser *BrowserResult
}

// RequestRecord is the request as sent, with secrets replaced by ••••.
//
// After redirects, Method and URL are those of the last request sent (the one
// whose response was judged; a 302 or 303 turns a POST into a GET without a
// body) and Redirects lists the requests before it, first to last.
type RequestRecord struct {
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      string            `json:"body,omitempty"`
	Redirects []Redirect        `json:"redirects,omitempty"`
}

// Redirect is one request of a step that was answered with a redirect.
type Redirect struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Status int    `json:"status"`
}

// ResponseRecord is the response as received, with the body capped for storage.
type ResponseRecord struct {
	Status        int                 `json:"status"`
	Headers       map[string][]string `json:"headers,omitempty"`
	Body          string              `json:"body,omitempty"`
	BodyTruncated bool                `json:"body_truncated,omitempty"`
	Size          int64               `json:"size"`
}

// Timings are the phases of one HTTP exchange.
type Timings struct {
	DNS       time.Duration `json:"dns"`
	Connect   time.Duration `json:"connect"`
	TLS       time.Duration `json:"tls"`
	FirstByte time.Duration `json:"first_byte"`
	Total     time.Duration `json:"total"`
}

// AssertionResult is the verdict of one assertion.
type AssertionResult struct {
	Assertion
	Expected string
	Actual   string
	Passed   bool
	Reason   string
}

// Redacted is what secrets are replaced with in anything shown or stored.
const Redacted = "••••"

// FinishRunParams end one attempt of a run: the runner hands them to the
// store's FinishRun, which writes them fenced by (ID, Attempt) and only over a
// run that is not final yet. It lives here because both sides need it and the
// runner never imports the store.
type FinishRunParams struct {
	ID      RunID
	Attempt int
	// Status must be final (passed, failed, errored, cancelled).
	Status RunStatus
	Error  string
	// FinishedAt defaults to now.
	FinishedAt time.Time
	Duration   time.Duration
	// Steps are the step results not written yet (RecordSteps writes those of
	// a long run as it goes), with their assertions; they are upserted by
	// (run, attempt, position).
	Steps []StepResult
}

// RunJob is the queue job that executes one run. It lives here (stdlib only) so
// the queue and the runner share it without importing each other; River needs
// only the Kind method.
type RunJob struct {
	RunID RunID `json:"run_id"`
	// Snapshot is SnapshotKey of the run's stored snapshot, written with the
	// run in the same transaction: a runner that has decoded that snapshot
	// before starts the run without reading it again (empty: always read).
	Snapshot string `json:"snapshot,omitempty"`
}

// SnapshotKey names a snapshot by its content: a hash of its JSON encoding
// as stored. Runs of one collection version share a key.
func SnapshotKey(encoded []byte) string {
	sum := sha256.Sum256(encoded)
	return hex.EncodeToString(sum[:16])
}

// Kind names the job for River.
func (RunJob) Kind() string { return "catena_run" }
