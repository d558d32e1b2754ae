package collectionrunner

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/looplab/fsm"

	"github.com/catena-monitor/catena/internal/collection"
)

var update = flag.Bool("update", false, "rewrite golden files (the state diagram in docs/runner-state-machine.md)")

func statuses(out Outcome) string {
	var b []string
	for _, s := range out.Steps {
		b = append(b, s.Name+":"+string(s.Status))
	}
	return strings.Join(b, " ")
}

func TestMachineOutcomes(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	ok := func(name string) collection.Step { return step(name, "GET", tg.URL+"/status/200") }
	fail := func(name string) collection.Step {
		return step(name, "GET", tg.URL+"/status/500", as("status", "", "equals", "200"))
	}
	errs := func(name string) collection.Step { return step(name, "GET", tg.URL+"/echo/@<<nope.status>>") }
	always := func(s collection.Step) collection.Step { s.AlwaysRun = true; return s }
	cont := func(s collection.Step) collection.Step { s.ContinueOnFailure = true; return s }

	tests := []struct {
		name  string
		steps []collection.Step
		run   collection.RunStatus
		want  string
	}{
		{"no steps", nil, collection.RunPassed, ""},
		{"all pass", []collection.Step{ok("a"), ok("b")}, collection.RunPassed, "a:passed b:passed"},
		{"stop at first failure", []collection.Step{ok("a"), fail("b"), ok("c"), ok("d")}, collection.RunFailed, "a:passed b:failed c:skipped d:skipped"},
		{"teardown still runs", []collection.Step{fail("a"), ok("b"), always(ok("cleanup"))}, collection.RunFailed, "a:failed b:skipped cleanup:passed"},
		{"errored beats failed", []collection.Step{cont(fail("a")), errs("b"), always(ok("cleanup"))}, collection.RunErrored, "a:failed b:errored cleanup:passed"},
		{"continue on failure", []collection.Step{cont(fail("a")), ok("b")}, collection.RunFailed, "a:failed b:passed"},
		{"continue on error", []collection.Step{cont(errs("a")), ok("b")}, collection.RunErrored, "a:errored b:passed"},
		{"a failing teardown after a pass", []collection.Step{ok("a"), always(fail("cleanup"))}, collection.RunFailed, "a:passed cleanup:failed"},
		{"skipped step cannot be referenced", []collection.Step{fail("a"), ok("b"), always(step("c", "GET", tg.URL+"/status/@<<b.status>>"))}, collection.RunErrored, "a:failed b:skipped c:errored"},
	}
	e := newExec(t, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var called []string
			out := e.Run(t.Context(), &collection.Collection{Name: tt.name, Steps: tt.steps}, func(s collection.StepResult) {
				called = append(called, s.Name+":"+string(s.Status))
			})
			if out.Status != tt.run || statuses(out) != tt.want {
				t.Errorf("run %s [%s]; want %s [%s]", out.Status, statuses(out), tt.run, tt.want)
			}
			if strings.Join(called, " ") != tt.want {
				t.Errorf("onStep saw [%s]", strings.Join(called, " "))
			}
			if out.Error != "" {
				t.Errorf("run error %q", out.Error)
			}
		})
	}
}

func TestMachineSkipReason(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	out := newExec(t, Config{}).Run(t.Context(), &collection.Collection{Name: "t", Steps: []collection.Step{
		step("login", "GET", tg.URL+"/status/500", as("status", "", "equals", "200")),
		step("me", "GET", tg.URL+"/status/200"),
	}}, nil)
	if got := out.Steps[1].Error; got != "skipped: step 'login' failed" {
		t.Errorf("skip reason %q", got)
	}
	if got := out.Steps[0].Error; got != `assertion failed: status equals: "500" is not "200"` {
		t.Errorf("failure message %q", got)
	}
}

func TestMachineRetryPolling(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	s := step("receipt", "GET", tg.URL+"/poll/3", as("body", "state", "equals", "ready"))
	s.Retry = &collection.Retry{Attempts: 5, Interval: collection.Duration(time.Millisecond)}
	out := newExec(t, Config{}).Run(t.Context(), &collection.Collection{Name: "t", Steps: []collection.Step{s}}, nil)
	if st := out.Steps[0]; out.Status != collection.RunPassed || st.Tries != 3 || tg.polls.Load() != 3 {
		t.Errorf("run %s, tries %d, target saw %d; want passed on the 3rd try", out.Status, st.Tries, tg.polls.Load())
	}

	never := newTarget(t)
	s.URL = never.URL + "/poll/100"
	s.Retry.Attempts = 4
	var seen []string
	out = newExec(t, Config{}).Run(t.Context(), &collection.Collection{Name: "t", Steps: []collection.Step{s}}, func(r collection.StepResult) {
		code := 0
		if r.Response != nil {
			code = r.Response.Status
		}
		seen = append(seen, fmt.Sprintf("%s %d %s %s %d: %s", r.Status, r.Tries, r.Request.Method, r.Request.URL, code, r.Error))
	})
	st := out.Steps[0]
	if out.Status != collection.RunFailed || st.Tries != 4 || never.polls.Load() != 4 {
		t.Errorf("run %s, tries %d, target saw %d; want failed after 4 tries", out.Status, st.Tries, never.polls.Load())
	}
	// Each try that did not hold is streamed as a running entry with its
	// request line, status and attempt; the last is the failed result.
	u := never.URL + "/poll/100"
	for i, want := range []string{
		"running 1 GET " + u + ` 200: attempt 1 of 4 did not hold (assertion failed: body state equals: "pending" is not "ready"); retrying in 1ms`,
		"running 2 GET " + u + ` 200: attempt 2 of 4 did not hold (assertion failed: body state equals: "pending" is not "ready"); retrying in 1ms`,
		"running 3 GET " + u + ` 200: attempt 3 of 4 did not hold (assertion failed: body state equals: "pending" is not "ready"); retrying in 1ms`,
	} {
		if i >= len(seen) || seen[i] != want {
			t.Errorf("onStep %d:\n got %q\nwant %q", i, seen, want)
			break
		}
	}
	if len(seen) != 4 || !regexp.MustCompile(`^failed 4 GET \S+ 200: gave up after 4 attempts over \d+\.\d s: assertion failed: body state equals`).MatchString(seen[3]) {
		t.Errorf("onStep saw %q; want 3 running entries, then the failure after 4 attempts", seen)
	}
	// The last try is the one judged and stored.
	if !strings.Contains(st.Response.Body, `"try":4`) || st.Assertions[0].Actual != "pending" {
		t.Errorf("judged %q / %q; want the 4th try", st.Response.Body, st.Assertions[0].Actual)
	}
}

func TestMachineRetryWaitIsCancellable(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	s := step("receipt", "GET", tg.URL+"/poll/100", as("body", "state", "equals", "ready"))
	s.Retry = &collection.Retry{Attempts: 3, Interval: collection.Duration(time.Hour)}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan Outcome)
	go func() {
		done <- newExec(t, Config{}).Run(ctx, &collection.Collection{Name: "t", Steps: []collection.Step{s, step("next", "GET", tg.URL+"/status/200")}}, nil)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for tg.polls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // polling for the first try, not waiting a fixed time
	}
	cancel()
	select {
	case out := <-done:
		if out.Status != collection.RunErrored || out.Error != "cancelled" || out.Steps[0].ErrorCode != CodeCancelled || out.Steps[1].Status != collection.StepSkipped {
			t.Errorf("run %s %q, steps [%s] %s", out.Status, out.Error, statuses(out), out.Steps[0].ErrorCode)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled run kept waiting for its retry interval")
	}
}

func TestMachineCancelMidRequest(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	ctx, cancel := context.WithCancel(t.Context())
	var once sync.Once
	c := &collection.Collection{Name: "t", Steps: []collection.Step{
		step("a", "GET", tg.URL+"/status/200"),
		step("slow", "GET", tg.URL+"/slow"),
		step("c", "GET", tg.URL+"/status/200"),
		func() collection.Step {
			s := step("cleanup", "GET", tg.URL+"/status/200")
			s.AlwaysRun = true
			return s
		}(),
	}}
	out := newExec(t, Config{}).Run(ctx, c, func(s collection.StepResult) {
		if s.Name == "a" {
			// Cancel while the next step is in flight.
			once.Do(func() { go func() { waitHits(tg, 2); cancel() }() })
		}
	})
	if out.Status != collection.RunErrored || out.Error != "cancelled" {
		t.Errorf("run %s %q; want errored \"cancelled\"", out.Status, out.Error)
	}
	if statuses(out) != "a:passed slow:errored c:skipped cleanup:skipped" || out.Steps[1].ErrorCode != CodeCancelled {
		t.Errorf("steps [%s], slow: %s %s", statuses(out), out.Steps[1].ErrorCode, out.Steps[1].Error)
	}
	if out.Steps[2].Error != "skipped: the run was cancelled" {
		t.Errorf("skip reason %q", out.Steps[2].Error)
	}
}

func waitHits(tg *target, n int32) {
	deadline := time.Now().Add(5 * time.Second)
	for tg.hits.Load() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

func TestMachineRefusesBadEvents(t *testing.T) {
	t.Parallel()
	r := newRun(NewExecutor(Config{}), &collection.Collection{Name: "t"}, nil)
	r.fire(EventReceived) // not allowed from pending
	var te *TransitionError
	if !errors.As(r.badState, &te) || te.Event != EventReceived || te.From != StatePending {
		t.Fatalf("bad event recorded as %v", r.badState)
	}
	var inv fsm.InvalidEventError
	if !errors.As(r.badState, &inv) {
		t.Errorf("the fsm's error is not kept: %v", r.badState)
	}
	if out := r.execute(t.Context()); out.Status != collection.RunErrored || !strings.Contains(out.Error, "step machine") {
		t.Errorf("a run whose machine refused an event ended %s %q", out.Status, out.Error)
	}
}

// The state diagram in docs/runner-state-machine.md is generated from the
// events table; run `go test ./collectionrunner -run TestStateDiagram -update`
// after changing the machine.
func TestStateDiagram(t *testing.T) {
	t.Parallel()
	diagram, err := fsm.VisualizeForMermaidWithGraphType(newMachine(), fsm.StateDiagram)
	if err != nil {
		t.Fatal(err)
	}
	const path = "../docs/runner-state-machine.md"
	const begin, end = "```mermaid\n", "```\n"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	i := strings.Index(text, begin)
	j := -1
	if i >= 0 {
		j = strings.Index(text[i+len(begin):], end)
	}
	if i < 0 || j < 0 {
		t.Fatalf("%s has no ```mermaid block", path)
	}
	current := text[i+len(begin) : i+len(begin)+j]
	if current == diagram {
		return
	}
	if !*update {
		t.Fatalf("the diagram in %s is out of date; run go test ./collectionrunner -run TestStateDiagram -update\ngot:\n%s\nwant:\n%s", path, current, diagram)
	}
	text = text[:i+len(begin)] + diagram + text[i+len(begin)+j:]
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A panic inside a run (a bug) ends that run errored instead of crashing.
func TestRunSurvivesPanic(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	c := &collection.Collection{Name: "t", Steps: []collection.Step{step("a", "GET", tg.URL+"/status/200"), step("b", "GET", tg.URL+"/status/200")}}
	out := newExec(t, Config{}).Run(t.Context(), c, func(s collection.StepResult) {
		if s.Name == "a" {
			panic("boom")
		}
	})
	if out.Status != collection.RunErrored || out.Error != "internal error in the runner" || len(out.Steps) != 2 || out.Steps[1].Status != collection.StepSkipped {
		t.Errorf("run %s %q [%s]", out.Status, out.Error, statuses(out))
	}
}

// A context cancelled after the last step does not turn a finished run into a cancelled one.
func TestMachineCancelAfterLastStep(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	ctx, cancel := context.WithCancel(t.Context())
	out := newExec(t, Config{}).Run(ctx, oneStep(tg.URL+"/status/200"), func(collection.StepResult) { cancel() })
	if out.Status != collection.RunPassed || out.Error != "" {
		t.Errorf("run %s %q; want passed", out.Status, out.Error)
	}
}

// passingRun is the events a 10-step run that passes fires: begin,
// interpolated, received and held per step, then pass.
var passingRun = func() []Event {
	var evs []Event
	for range 10 {
		evs = append(evs, EventBegin, EventInterpolated, EventReceived, EventHeld)
	}
	return append(evs, EventPass)
}()

// TestTransitionsMatchTheFSM: the lookup fire uses and looplab/fsm, both
// built from the one events table, allow the same events from every state and
// lead to the same states.
func TestTransitionsMatchTheFSM(t *testing.T) {
	t.Parallel()
	all := []State{StatePending, StateInterpolating, StateSending, StateAsserting, StateSkipped, StatePassed, StateFailed, StateErrored}
	evs := []Event{EventBegin, EventSkip, EventInterpolated, EventReceived, EventRetry, EventHeld, EventFailed, EventError, EventNext, EventPass, EventFail, EventAbort}
	for _, from := range all {
		for _, ev := range evs {
			m := fsm.NewFSM(string(from), events, nil)
			err := m.Event(t.Context(), string(ev))
			to, ok := transitions[transition{ev, from}]
			switch {
			case ok != (err == nil):
				t.Errorf("%s from %s: table allows=%v, fsm says %v", ev, from, ok, err)
			case ok && State(m.Current()) != to:
				t.Errorf("%s from %s: table goes to %s, fsm to %s", ev, from, to, m.Current())
			}
		}
	}
}

// BenchmarkMachine compares the two ways of driving one passing 10-step run
// (41 events): the lookup table fire uses, and a looplab/fsm per run moved
// with FSM.Event. docs/performance.md ("The step machine") records the figure
// that decided between them.
func BenchmarkMachine(b *testing.B) {
	b.Run("table", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			r := run{state: StatePending}
			for _, ev := range passingRun {
				r.fire(ev)
			}
			if r.state != StatePassed || r.badState != nil {
				b.Fatalf("ended in %s: %v", r.state, r.badState)
			}
		}
	})
	b.Run("fsm", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for range b.N {
			m := newMachine()
			for _, ev := range passingRun {
				if err := m.Event(ctx, string(ev)); err != nil {
					b.Fatal(err)
				}
			}
			if m.Current() != string(StatePassed) {
				b.Fatalf("ended in %s", m.Current())
			}
		}
	})
}
