package collectionrunner

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unsafe"

	"github.com/looplab/fsm"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret"
)

// State is where the run's step machine is.
type State string

// States of the step machine. Each step goes pending → interpolating →
// sending → asserting and back to pending for the next step (or is marked
// skipped); once no step is left the run ends passed, failed or errored.
const (
	StatePending       State = "pending"
	StateInterpolating State = "interpolating"
	StateSending       State = "sending"
	StateAsserting     State = "asserting"
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
	EventHeld         Event = "held"         // every assertion held: next step
	EventFailed       Event = "failed"       // an assertion did not hold: next step
	EventError        Event = "error"        // the step could not be executed: next step
	EventNext         Event = "next"         // after a skipped step
	EventPass         Event = "pass"         // the run ends passed
	EventFail         Event = "fail"         // the run ends failed
	EventAbort        Event = "abort"        // the run ends errored
)

func states(ss ...State) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// events is the whole machine: every allowed transition, in one table.
var events = fsm.Events{
	{Name: string(EventBegin), Src: states(StatePending), Dst: string(StateInterpolating)},
	{Name: string(EventSkip), Src: states(StatePending), Dst: string(StateSkipped)},
	{Name: string(EventNext), Src: states(StateSkipped), Dst: string(StatePending)},
	{Name: string(EventInterpolated), Src: states(StateInterpolating), Dst: string(StateSending)},
	{Name: string(EventReceived), Src: states(StateSending), Dst: string(StateAsserting)},
	{Name: string(EventRetry), Src: states(StateAsserting), Dst: string(StateSending)},
	{Name: string(EventHeld), Src: states(StateAsserting), Dst: string(StatePending)},
	{Name: string(EventFailed), Src: states(StateAsserting), Dst: string(StatePending)},
	{Name: string(EventError), Src: states(StateInterpolating, StateSending, StateAsserting), Dst: string(StatePending)},
	{Name: string(EventPass), Src: states(StatePending), Dst: string(StatePassed)},
	{Name: string(EventFail), Src: states(StatePending), Dst: string(StateFailed)},
	{Name: string(EventAbort), Src: states(StatePending), Dst: string(StateErrored)},
}

// newMachine builds the step machine of one run.
func newMachine() *fsm.FSM {
	return fsm.NewFSM(string(StatePending), events, nil)
}

// transitions is the events table as a lookup, built once: fire consults it
// instead of a per-run FSM (fsm.NewFSM builds its own maps for every run).
var transitions = func() map[transition]State {
	m := make(map[transition]State, 2*len(events))
	for _, e := range events {
		for _, src := range e.Src {
			m[transition{Event(e.Name), State(src)}] = State(e.Dst)
		}
	}
	return m
}()

type transition struct {
	ev   Event
	from State
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
	state  State // where the step machine is (see events)
	scope  scope
	red    *secret.Redactor
	clock  phaseClock
	traced context.Context // the run's context with the clock's trace hooks

	started   time.Time
	cancelled bool // a step was cut short or skipped because ctx ended
	results   []collection.StepResult
	targets   []string                     // the current step's interpolated assertion targets
	resps     []response                   // backing for scope.responses, one per step
	verdicts  []collection.AssertionResult // backing for the steps' assertion results not yet handed out
	status    collection.RunStatus
	stopped   string // why later steps are skipped; "" while they run
	badState  error
	browser   *browserRun // the browser session of the run's browser steps (browser_actions.go)
}

func newRun(e *Executor, c *collection.Collection, onStep func(collection.StepResult)) *run {
	r := &run{
		e:      e,
		c:      c,
		onStep: onStep,
		state:  StatePending,
		red:    e.redactorFor(c.Secrets),
		status: collection.RunPassed,
	}
	r.scope = scope{
		c:         c,
		responses: make([]*response, len(c.Steps)),
		why:       make([]string, len(c.Steps)),
		now:       e.now,
		templates: &e.templates,
	}
	if e.allowEnv {
		r.scope.env = e.getenv
	}
	r.results = make([]collection.StepResult, 0, len(c.Steps))
	r.resps = make([]response, len(c.Steps))
	n := 0
	for i := range c.Steps {
		n += len(c.Steps[i].Assertions)
	}
	if n > 0 {
		r.verdicts = make([]collection.AssertionResult, n)
	}
	return r
}

// verdictsFor takes the slice step results of n assertions are written to
// from the run's one backing array (capacity n, so an append copies). Every
// try of a step writes the same slice: only the last try's results are kept.
func (r *run) verdictsFor(n int) []collection.AssertionResult {
	if n == 0 {
		return nil
	}
	if len(r.verdicts) < n {
		return make([]collection.AssertionResult, n)
	}
	out := r.verdicts[:n:n]
	r.verdicts = r.verdicts[n:]
	return out
}

// fire moves the machine; a refused event is kept as the run's error.
//
// The machine has no callbacks, so instead of an FSM per run (whose Event
// builds a cancellable context, an event and two closures per call, and whose
// construction builds its maps for every run) fire looks the transition up in
// the events table. A refused event, a bug, gets the FSM's own error (for
// errors.As) from an FSM built in the state the run was in.
func (r *run) fire(ev Event) {
	to, ok := transitions[transition{ev, r.state}]
	if !ok {
		if r.badState == nil {
			m := fsm.NewFSM(string(r.state), events, nil)
			err := m.Event(context.Background(), string(ev))
			r.badState = &TransitionError{Event: ev, From: r.state, Err: err}
		}
		return
	}
	r.state = to
}

// execute runs every step in order and returns the outcome.
func (r *run) execute(ctx context.Context) Outcome {
	started := r.e.now()
	r.started = started
	for i := range r.c.Steps {
		res := r.step(ctx, i)
		res.Position = i
		res.Name = r.c.Steps[i].Name
		r.results = append(r.results, res)
		if r.onStep != nil {
			r.onStep(res)
		}
	}
	out := Outcome{Status: r.status, Steps: r.results, StartedAt: started}
	if r.cancelled {
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
		r.cancelled = true
		return r.skip(i, "the run was cancelled")
	case r.stopped != "" && !s.AlwaysRun:
		return r.skip(i, r.stopped)
	case s.Browser():
		return r.browserStep(ctx, i)
	}
	res := collection.StepResult{Status: collection.StepPassed, StartedAt: r.e.now(), Insecure: s.Insecure}
	r.fire(EventBegin)

	req, targets, serr := r.prepare(i)
	if req != nil {
		res.Request = collection.RequestRecord{Method: req.Method, URL: r.red.Redact(req.URL), Body: r.red.Redact(req.Body)}
	} else {
		res.Request = collection.RequestRecord{Method: s.Method, URL: r.red.Redact(s.URL)}
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
	if r.traced == nil {
		r.traced = traceContext(ctx, &r.clock)
	}
	verdicts := r.verdictsFor(len(s.Assertions))
	for try := 1; ; try++ {
		res.Tries = try
		sent, serr := send(r.traced, client, req, r.e.maxRead, &r.clock)
		res.Request.Headers = r.red.RequestHeaders(req.Header)
		if sent != nil {
			res.TraceID = sent.TraceID
			res.Timings = sent.Timings
			r.recordRedirects(&res.Request, req, sent)
		}
		if serr != nil {
			return r.errored(i, res, serr)
		}
		r.fire(EventReceived)
		// A try's response is kept only if it is the step's last, so every
		// try of step i uses the run's slot i.
		resp := &r.resps[i]
		*resp = response{
			status:    sent.Status,
			header:    sent.Header,
			body:      sent.Body,
			latencyMS: sent.Timings.Total.Milliseconds(),
		}
		results, failedCode := r.judge(s, targets, resp, req.Method == http.MethodHead, verdicts)
		if failedCode == "" || try >= tries {
			r.scope.responses[i] = resp
			res.Response = r.responseRecord(resp)
			res.Assertions = results
			if failedCode != "" {
				res.Status = collection.StepFailed
				res.ErrorCode = failedCode
				res.Error = r.red.Redact(failedMessage(results))
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
			res.Assertions = results
			return r.errored(i, res, errorf(CodeCancelled, "cancelled while waiting to retry (after %d tries)", try))
		}
		r.fire(EventRetry)
	}
}

// recordRedirects makes the request record show the last request sent and
// the chain before it, redacted like the rest of the record.
func (r *run) recordRedirects(rec *collection.RequestRecord, req *sendRequest, sent *sendResult) {
	if len(sent.Redirects) == 0 {
		if rec.Redirects != nil { // an earlier try of a polling step was redirected
			rec.Method, rec.URL, rec.Body, rec.Redirects = req.Method, r.red.Redact(req.URL), r.red.Redact(req.Body), nil
		}
		return
	}
	hops := make([]collection.Redirect, len(sent.Redirects))
	for i, h := range sent.Redirects {
		hops[i] = collection.Redirect{Method: h.Method, URL: r.red.Redact(h.URL), Status: h.Status}
	}
	rec.Redirects = hops
	rec.Method, rec.URL = sent.FinalMethod, r.red.Redact(sent.FinalURL)
	if sent.FinalMethod != req.Method {
		rec.Body = "" // a 301/302/303 turned it into a GET, sent without the body
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
	r.fire(EventNext)
	r.scope.why[i] = "it was skipped"
	return collection.StepResult{Status: collection.StepSkipped, Error: "skipped: " + why}
}

func (r *run) errored(i int, res collection.StepResult, serr *stepError) collection.StepResult {
	s := &r.c.Steps[i]
	res.Status = collection.StepErrored
	res.ErrorCode = serr.Code
	r.cancelled = r.cancelled || serr.Code == CodeCancelled
	res.Error = r.red.Redact(serr.Msg)
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
		Method:   strings.ToUpper(s.Method),
		URL:      u.text,
		Header:   make(http.Header, len(s.Headers)+3),
		Timeout:  s.EffectiveTimeout(),
		Follow:   s.Redirects(),
		Insecure: s.Insecure,
		// One backing array for the values, with room for the headers send adds.
		values: make([]string, 0, len(s.Headers)+3),
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
		if vs := req.Header[key]; vs != nil {
			req.Header[key] = append(vs, v.text)
		} else {
			req.setHeader(key, v.text)
		}
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
		// Targets live only while the step runs: one slice per run serves all.
		if cap(r.targets) < len(s.Assertions) {
			r.targets = make([]string, len(s.Assertions))
		}
		targets = r.targets[:len(s.Assertions)]
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

// judge evaluates every assertion and returns the redacted results and,
// when one did not hold, the code of the first that failed; (len(s.Assertions)) receives them.
func (r *run) judge(s *collection.Step, targets []string, resp *response, head bool, out []collection.AssertionResult) ([]collection.AssertionResult, string) {
	if len(s.Assertions) == 0 {
		return nil, ""
	}
	code := ""
	o := observed{resp: resp, head: head}
	for j, a := range s.Assertions {
		v := assertOne(a, targets[j], o, &r.e.cache)
		if !v.Passed && code == "" {
			code = v.code
		}
		res := v.AssertionResult
		res.Target = r.red.Redact(res.Target)
		res.Expected = r.red.Redact(res.Expected)
		res.Actual = r.red.Redact(res.Actual)
		res.Reason = r.red.Redact(res.Reason)
		out[j] = res
	}
	return out, code
}

// failedMessage summarises the failed assertions in one line.
func failedMessage(rs []collection.AssertionResult) string {
	n, first := 0, ""
	for _, a := range rs {
		if !a.Passed {
			n++
			if first == "" {
				first = describeAssertion(a.Assertion) + ": " + a.Reason
			}
		}
	}
	if n > 1 {
		return fmt.Sprintf("%d of %d assertions failed; first: %s", n, len(rs), first)
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

// responseRecord is the response as stored: body cut to the store cap, secrets redacted.
func (r *run) responseRecord(resp *response) *collection.ResponseRecord {
	rec := &collection.ResponseRecord{
		Status: resp.status,
		Size:   int64(len(resp.body)),
	}
	// Shares the map when nothing needs hiding (nobody modifies a response's headers).
	rec.Headers = r.red.ResponseHeaders(resp.header)
	body := resp.body
	var text string
	if len(body) > r.e.maxStore {
		cut := r.e.maxStore
		for cut > 0 && body[cut]&0xC0 == 0x80 {
			cut--
		}
		text = string(body[:cut])
		rec.BodyTruncated = true
	} else {
		// The whole body: share its bytes instead of copying them. The body
		// is read once (readCapped) into a buffer of its own and never
		// written after, and both stay alive exactly as long as the run's
		// results; a cut excerpt is copied, so it does not pin a large body.
		text = bytesText(body)
	}
	// Stored as text: invalid UTF-8 and NUL (which Postgres refuses) become U+FFFD.
	rec.Body = r.red.Redact(strings.ReplaceAll(strings.ToValidUTF8(text, "\uFFFD"), "\x00", "\uFFFD"))
	return rec
}

// bytesText is b as a string without a copy; b must never be modified after.
func bytesText(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b)) // #nosec G103 -- b is immutable once read (see responseRecord)
}
