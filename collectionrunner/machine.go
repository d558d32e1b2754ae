package collectionrunner

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/looplab/fsm"

	"github.com/catena-monitor/catena/internal/collection"
)

// State is where the run's step machine is.
type State string

// States of the step machine. A run cycles pending → interpolating → sending
// → asserting → step_* → pending for each step, and ends in passed, failed or errored.
const (
	StatePending       State = "pending"
	StateInterpolating State = "interpolating"
	StateSending       State = "sending"
	StateAsserting     State = "asserting"
	StateStepPassed    State = "step_passed"
	StateStepFailed    State = "step_failed"
	StateStepErrored   State = "step_errored"
	StateSkipped       State = "skipped"
	StatePassed        State = "passed"
	StateFailed        State = "failed"
	StateErrored       State = "errored"
)

// Event moves the step machine.
type Event string

// Events of the step machine.
const (
	EventBegin        Event = "begin"        // start the next step
	EventSkip         Event = "skip"         // mark the next step skipped
	EventInterpolated Event = "interpolated" // references resolved; send
	EventReceived     Event = "received"     // a response arrived; judge it
	EventRetry        Event = "retry"        // assertions failed, tries left: send again
	EventHeld         Event = "held"         // every assertion held
	EventFailed       Event = "failed"       // an assertion did not hold
	EventError        Event = "error"        // the step could not be executed
	EventNext         Event = "next"         // on to the next step
	EventPass         Event = "pass"         // the run ends passed
	EventFail         Event = "fail"         // the run ends failed
	EventAbort        Event = "abort"        // the run ends errored
)

// stepEnded are the states a step ends in.
var stepEnded = []string{string(StateStepPassed), string(StateStepFailed), string(StateStepErrored), string(StateSkipped)}

// runEnds are the states from which a run may end: pending, once no step is left.
var runEnds = []string{string(StatePending)}

// events is the whole machine: every allowed transition, in one table.
var events = fsm.Events{
	{Name: string(EventBegin), Src: []string{string(StatePending)}, Dst: string(StateInterpolating)},
	{Name: string(EventSkip), Src: []string{string(StatePending)}, Dst: string(StateSkipped)},
	{Name: string(EventInterpolated), Src: []string{string(StateInterpolating)}, Dst: string(StateSending)},
	{Name: string(EventReceived), Src: []string{string(StateSending)}, Dst: string(StateAsserting)},
	{Name: string(EventRetry), Src: []string{string(StateAsserting)}, Dst: string(StateSending)},
	{Name: string(EventHeld), Src: []string{string(StateAsserting)}, Dst: string(StateStepPassed)},
	{Name: string(EventFailed), Src: []string{string(StateAsserting)}, Dst: string(StateStepFailed)},
	{Name: string(EventError), Src: []string{string(StateInterpolating), string(StateSending), string(StateAsserting)}, Dst: string(StateStepErrored)},
	{Name: string(EventNext), Src: stepEnded, Dst: string(StatePending)},
	{Name: string(EventPass), Src: runEnds, Dst: string(StatePassed)},
	{Name: string(EventFail), Src: runEnds, Dst: string(StateFailed)},
	{Name: string(EventAbort), Src: runEnds, Dst: string(StateErrored)},
}

// newMachine builds the step machine of one run.
func newMachine() *fsm.FSM {
	return fsm.NewFSM(string(StatePending), events, nil)
}

// TransitionError is an event the machine refused: a bug in the sequencing,
// reported on the run instead of a panic.
type TransitionError struct {
	Event Event
	From  State
	Err   error
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("step machine: event %s from %s: %v", e.Event, e.From, e.Err)
}

func (e *TransitionError) Unwrap() error { return e.Err }

// run is one execution of a collection: the machine plus everything the
// steps' references may read. It is used by one goroutine.
type run struct {
	e      *Executor
	c      *collection.Collection
	onStep func(collection.StepResult)
	m      *fsm.FSM
	fired  context.Context // events run on a context that is never cancelled
	scope  scope
	red    *redactor

	results  []collection.StepResult
	status   collection.RunStatus
	stopped  string // why later steps are skipped; "" while they run
	badState error
}

func newRun(e *Executor, c *collection.Collection, onStep func(collection.StepResult)) *run {
	r := &run{
		e:      e,
		c:      c,
		onStep: onStep,
		m:      newMachine(),
		fired:  context.Background(),
		red:    newRedactor(c.Secrets),
		status: collection.RunPassed,
	}
	r.scope = scope{
		c:         c,
		responses: make([]*response, len(c.Steps)),
		why:       make([]string, len(c.Steps)),
		now:       e.now,
	}
	if e.allowEnv {
		r.scope.env = e.getenv
	}
	r.results = make([]collection.StepResult, 0, len(c.Steps))
	return r
}

// fire moves the machine; a refused event is kept as the run's error.
func (r *run) fire(ev Event) {
	from := r.m.Current()
	if err := r.m.Event(r.fired, string(ev)); err != nil {
		var none fsm.NoTransitionError
		if errors.As(err, &none) {
			return
		}
		if r.badState == nil {
			r.badState = &TransitionError{Event: ev, From: State(from), Err: err}
		}
	}
}

// execute runs every step in order and returns the outcome.
func (r *run) execute(ctx context.Context) Outcome {
	started := r.e.now()
	for i := range r.c.Steps {
		res := r.step(ctx, i)
		res.Position = i
		res.Name = r.c.Steps[i].Name
		r.results = append(r.results, res)
		if r.onStep != nil {
			r.onStep(res)
		}
		r.fire(EventNext)
	}
	out := Outcome{Status: r.status, Steps: r.results, StartedAt: started}
	if ctx.Err() != nil {
		out.Status, out.Error = collection.RunErrored, "cancelled"
	}
	if r.badState != nil {
		out.Status, out.Error = collection.RunErrored, r.badState.Error()
	}
	switch out.Status {
	case collection.RunPassed:
		r.fire(EventPass)
	case collection.RunFailed:
		r.fire(EventFail)
	default:
		r.fire(EventAbort)
	}
	out.Duration = r.e.now().Sub(started)
	return out
}

// step runs step i through the machine and returns its (redacted) result.
func (r *run) step(ctx context.Context, i int) collection.StepResult {
	s := &r.c.Steps[i]
	switch {
	case ctx.Err() != nil:
		return r.skip(i, "the run was cancelled")
	case r.stopped != "" && !s.AlwaysRun:
		return r.skip(i, r.stopped)
	}
	res := collection.StepResult{Status: collection.StepPassed, StartedAt: r.e.now(), Insecure: s.Insecure}
	r.fire(EventBegin)

	req, targets, serr := r.prepare(i)
	if req != nil {
		res.Request = collection.RequestRecord{Method: req.Method, URL: r.red.str(req.URL), Body: r.red.str(req.Body)}
	} else {
		res.Request = collection.RequestRecord{Method: s.Method, URL: r.red.str(s.URL)}
	}
	if serr != nil {
		return r.errored(i, res, serr)
	}
	r.fire(EventInterpolated)

	tries := 1
	if s.Retry != nil && s.Retry.Attempts > 1 {
		tries = s.Retry.Attempts
	}
	client := r.e.clientFor(s.Insecure)
	for try := 1; ; try++ {
		res.Tries = try
		sent, serr := send(ctx, client, req, r.e.maxRead)
		res.Request.Headers = r.red.requestHeaders(req.Header)
		if sent != nil {
			res.TraceID = sent.TraceID
			res.Timings = sent.Timings
		}
		if serr != nil {
			return r.errored(i, res, serr)
		}
		r.fire(EventReceived)
		resp := &response{
			status:    sent.Status,
			header:    sent.Header,
			body:      sent.Body,
			latencyMS: sent.Timings.Total.Milliseconds(),
		}
		verdicts, failed := r.judge(s, targets, resp, req.Method == http.MethodHead)
		if failed == nil || try >= tries {
			r.scope.responses[i] = resp
			res.Response = r.responseRecord(resp)
			res.Assertions = r.assertionResults(verdicts)
			if failed != nil {
				res.Status = collection.StepFailed
				res.ErrorCode = failed.code
				res.Error = r.red.str(failedMessage(verdicts))
				r.fire(EventFailed)
				r.noteOutcome(s, collection.RunFailed, fmt.Sprintf("step '%s' failed", s.Name))
				return res
			}
			r.fire(EventHeld)
			return res
		}
		// Polling: wait the interval (or until cancelled) and send again.
		if err := wait(ctx, s.Retry.Interval.Std()); err != nil {
			r.scope.responses[i] = resp
			res.Response = r.responseRecord(resp)
			res.Assertions = r.assertionResults(verdicts)
			return r.errored(i, res, errorf(CodeCancelled, "cancelled while waiting to retry (after %d tries)", try))
		}
		r.fire(EventRetry)
	}
}

// wait sleeps for d unless ctx ends first.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r *run) skip(i int, why string) collection.StepResult {
	r.fire(EventSkip)
	r.scope.why[i] = "it was skipped"
	return collection.StepResult{Status: collection.StepSkipped, Error: "skipped: " + why}
}

func (r *run) errored(i int, res collection.StepResult, serr *stepError) collection.StepResult {
	s := &r.c.Steps[i]
	res.Status = collection.StepErrored
	res.ErrorCode = serr.Code
	res.Error = r.red.str(serr.Msg)
	r.scope.why[i] = "it errored (" + serr.Code + ")"
	r.fire(EventError)
	r.noteOutcome(s, collection.RunErrored, fmt.Sprintf("step '%s' errored", s.Name))
	return res
}

// noteOutcome folds a bad step into the run: the run's outcome is the worst
// step's, and later steps are skipped unless this one continues on failure.
func (r *run) noteOutcome(s *collection.Step, st collection.RunStatus, why string) {
	r.status = collection.Worse(r.status, st)
	if !s.ContinueOnFailure && r.stopped == "" {
		r.stopped = why
	}
}

// prepare interpolates everything a step needs before it is sent.
func (r *run) prepare(i int) (*sendRequest, []string, *stepError) {
	s := &r.c.Steps[i]
	r.scope.current = i
	u, err := r.scope.expand(s.URL, inURL, false)
	if err != nil {
		return nil, nil, r.field(s, "url", err)
	}
	req := &sendRequest{
		Method:   s.Method,
		URL:      u.text,
		Header:   make(http.Header, len(s.Headers)+3),
		Timeout:  s.EffectiveTimeout(),
		Follow:   s.Redirects(),
		Insecure: s.Insecure,
	}
	for name, tmpl := range s.Headers {
		v, err := r.scope.expand(tmpl, inHeader, false)
		if err != nil {
			return req, nil, r.field(s, "header "+name, err)
		}
		if serr := checkHeader(name, v.text); serr != nil {
			return req, nil, serr
		}
		key := http.CanonicalHeaderKey(name)
		req.Header[key] = append(req.Header[key], v.text)
		if v.secret {
			req.SecretHeaders = append(req.SecretHeaders, key)
		}
	}
	if s.Body != "" {
		b, err := r.scope.expand(s.Body, inBody, looksJSON(s.Body, s.Headers))
		if err != nil {
			return req, nil, r.field(s, "body", err)
		}
		req.Body = b.text
	}
	var targets []string
	if len(s.Assertions) > 0 {
		targets = make([]string, len(s.Assertions))
		for j, a := range s.Assertions {
			t, err := r.scope.expand(a.Target, inText, false)
			if err != nil {
				return req, nil, r.field(s, fmt.Sprintf("assertion %d target", j+1), err)
			}
			targets[j] = t.text
		}
	}
	return req, targets, nil
}

// field prefixes an interpolation error with where it happened.
func (r *run) field(s *collection.Step, where string, err *stepError) *stepError {
	return &stepError{Code: err.Code, Msg: fmt.Sprintf("%s of step '%s': %s", where, s.Name, err.Msg)}
}

// judge evaluates every assertion; failed is the first that did not hold.
func (r *run) judge(s *collection.Step, targets []string, resp *response, head bool) ([]verdict, *verdict) {
	if len(s.Assertions) == 0 {
		return nil, nil
	}
	out := make([]verdict, len(s.Assertions))
	var failed *verdict
	o := observed{resp: resp, head: head}
	for j, a := range s.Assertions {
		out[j] = assertOne(a, targets[j], o, &r.e.cache)
		if !out[j].Passed && failed == nil {
			failed = &out[j]
		}
	}
	return out, failed
}

func failedMessage(vs []verdict) string {
	n, first := 0, ""
	for _, v := range vs {
		if !v.Passed {
			n++
			if first == "" {
				first = describeAssertion(v.Assertion) + ": " + v.Reason
			}
		}
	}
	if n > 1 {
		return fmt.Sprintf("%d of %d assertions failed; first: %s", n, len(vs), first)
	}
	return "assertion failed: " + first
}

func describeAssertion(a collection.Assertion) string {
	var b strings.Builder
	b.WriteString(string(a.Source))
	if a.Property != "" {
		b.WriteString(" ")
		b.WriteString(a.Property)
	}
	b.WriteString(" ")
	b.WriteString(string(a.Comparison))
	return b.String()
}

func (r *run) assertionResults(vs []verdict) []collection.AssertionResult {
	if len(vs) == 0 {
		return nil
	}
	out := make([]collection.AssertionResult, len(vs))
	for j, v := range vs {
		a := v.AssertionResult
		a.Target = r.red.str(a.Target)
		a.Expected = r.red.str(a.Expected)
		a.Actual = r.red.str(a.Actual)
		a.Reason = r.red.str(a.Reason)
		out[j] = a
	}
	return out
}

// responseRecord is the response as stored: body cut to the store cap, secrets redacted.
func (r *run) responseRecord(resp *response) *collection.ResponseRecord {
	rec := &collection.ResponseRecord{
		Status:  resp.status,
		Headers: r.red.responseHeaders(resp.header),
		Size:    int64(len(resp.body)),
	}
	body := resp.body
	if len(body) > r.e.maxStore {
		cut := r.e.maxStore
		for cut > 0 && body[cut]&0xC0 == 0x80 {
			cut--
		}
		body = body[:cut]
		rec.BodyTruncated = true
	}
	// Stored as text: invalid UTF-8 and NUL (which Postgres refuses) become U+FFFD.
	rec.Body = r.red.str(strings.ReplaceAll(strings.ToValidUTF8(string(body), "\uFFFD"), "\x00", "\uFFFD"))
	return rec
}
