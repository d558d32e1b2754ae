package faulttest

import (
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/store"
)

// attempt1Stopped is what a runner stopped on purpose leaves: the steps
// before the blocked one, and the blocked one interrupted (it knows where it was).
var attempt1Stopped = []string{"0:passed", "1:passed", "2:interrupted"}

// attempt1Lost is what a killed or frozen runner leaves: the steps its
// heartbeats recorded, and nothing the sweeper made up about the rest.
var attempt1Lost = []string{"0:passed", "1:passed"}

func allPassed() []string {
	out := make([]string, steps)
	for i := range out {
		out[i] = strconv.Itoa(i) + ":passed"
	}
	return out
}

// Scenario 1: a runner killed with SIGKILL in step 3 of 10. Another runner's
// sweeper hands the run back once the lease expires, and it runs again as
// attempt 2; attempt 1 keeps steps 1-2 as recorded, and nothing more.
func TestSweepRescuesRunOfKilledRunner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.startRunner("A")
	id := e.enqueue()
	e.waitBlocked(id, 1)

	a.kill9(t)
	e.target.release()
	e.startRunner("B")

	took := waitFor(t, 20*time.Second, "the run to end after the kill", func() (bool, string) {
		s := e.run(id)
		return final(s), s.String()
	})
	s := e.run(id)
	switch {
	case s.Status == string(collection.RunPassed) && s.Attempt == 2:
		if got := e.steps(id, 2); !slices.Equal(got, allPassed()) {
			t.Errorf("attempt 2 steps %q, want all %d passed", got, steps)
		}
	case s.Status == string(collection.RunErrored) && s.Error == store.ReasonRunnerLost:
		t.Logf("attempts exhausted: the run ended %s", s)
	default:
		t.Errorf("run after the kill: %s; want passed on attempt 2 (or errored runner_lost)", s)
	}
	if got := e.steps(id, 1); !slices.Equal(got, attempt1Lost) {
		t.Errorf("attempt 1 steps %q, want %q", got, attempt1Lost)
	}
	for step := 1; step < blockedStep; step++ {
		if n := e.target.hitsOf(step); n > 2 {
			t.Errorf("the target saw step %d %d times; at most twice (once per attempt)", step, n)
		}
	}
	e.audit()
	t.Logf("kill -9 → run %s %s after the kill (lease TTL %s)", s, took.Round(10*time.Millisecond), leaseTTL)
}

// Scenario 2: SIGTERM in step 3. The runner cancels the run at once, records
// steps 1-2 and step 3 interrupted, exits 0, and the run goes back to the
// queue (not failed); a second runner completes it as attempt 2.
func TestRunnerStoppedMidRunRequeues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.startRunner("A")
	id := e.enqueue()
	e.waitBlocked(id, 1)

	a.signal(t, syscall.SIGTERM)
	exitIn := waitClosed(t, a.done, 5*time.Second, "runner A to exit after SIGTERM")
	if code, err := a.exitCode(); err != nil || code != 0 {
		t.Errorf("runner A exited with code %d (%v) after SIGTERM, want 0", code, err)
	}
	s := e.run(id)
	if final(s) {
		t.Fatalf("after SIGTERM the run is %s; want it left for another attempt", s)
	}
	if js := e.jobState(id); js != "retryable" && js != "available" {
		t.Errorf("after SIGTERM the run's job is %s; want it retryable or available", js)
	}
	if attempt, maxAttempts := e.jobAttempts(id); maxAttempts-attempt != queue.RunMaxAttempts {
		t.Errorf("after SIGTERM the job is at attempt %d of %d; a deliberate stop must not use up the run's retry (want %d attempts left, as if never started)", attempt, maxAttempts, queue.RunMaxAttempts)
	}
	if got := e.steps(id, 1); !slices.Equal(got, attempt1Stopped) {
		t.Errorf("attempt 1 steps %q, want %q (the stopping runner marks where it was cut off)", got, attempt1Stopped)
	}

	e.target.release()
	e.startRunner("B")
	took := waitFor(t, 20*time.Second, "the re-queued run to end", func() (bool, string) {
		s := e.run(id)
		return final(s), s.String()
	})
	s = e.run(id)
	if s.Status != string(collection.RunPassed) || s.Attempt != 2 {
		t.Errorf("re-queued run ended %s; want passed on attempt 2", s)
	}
	e.audit()
	t.Logf("SIGTERM → exit 0 in %s; re-queued run %s after %s more", exitIn.Round(10*time.Millisecond), s, took.Round(10*time.Millisecond))
}

// Scenario 3: a runner frozen (SIGSTOP) in step 3 past its lease. A second
// runner takes the run as attempt 2 and finishes it; when the first wakes,
// every write it tries is fenced out, it logs "lease lost", and the run stays
// as attempt 2 left it.
func TestSweepFencesOutFrozenRunner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.startRunner("A")
	id := e.enqueue()
	e.waitBlocked(id, 1)

	a.signal(t, syscall.SIGSTOP)
	e.startRunner("B")
	e.target.release() // A's request is answered too, but A cannot read it yet
	took := waitFor(t, 20*time.Second, "attempt 2 to finish the run", func() (bool, string) {
		s := e.run(id)
		return final(s), s.String()
	})
	s := e.run(id)
	if s.Status != string(collection.RunPassed) || s.Attempt != 2 {
		t.Fatalf("run while A is frozen ended %s; want passed on attempt 2", s)
	}
	if got := e.steps(id, 1); !slices.Equal(got, attempt1Lost) {
		t.Errorf("attempt 1 steps %q, want %q", got, attempt1Lost)
	}
	before := e.stepsSnapshot(id)

	a.signal(t, syscall.SIGCONT)
	woke := waitFor(t, 5*time.Second, `runner A to log "lease lost" after SIGCONT`, func() (bool, string) {
		return a.logged("lease lost"), "no such log line"
	})
	if after := e.run(id); after != s {
		t.Errorf("after A woke the run is %s; want attempt 2's %s", after, s)
	}
	if after := e.stepsSnapshot(id); after != before {
		t.Errorf("A's writes got through after it woke:\nbefore %s\nafter  %s", before, after)
	}
	e.audit()
	t.Logf("SIGSTOP → attempt 2 finished after %s; SIGCONT → A logged lease lost in %s", took.Round(10*time.Millisecond), woke.Round(10*time.Millisecond))
}

// Scenario 1, attempts exhausted: both attempts' runners are killed in step 3.
// The run ends errored (runner_lost) rather than staying running, and each
// attempt keeps the steps 1-2 it recorded.
func TestSweepEndsRunLostOnLastAttempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.startRunner("A")
	id := e.enqueue()
	e.waitBlocked(id, 1)
	a.kill9(t)

	b := e.startRunner("B")
	e.waitBlocked(id, 2) // B's sweeper re-queued the run once A's lease expired
	b.kill9(t)
	e.startRunner("C")
	took := waitFor(t, 20*time.Second, "the run to end after its last attempt was lost", func() (bool, string) {
		s := e.run(id)
		return final(s), s.String()
	})
	s := e.run(id)
	if s.Status != string(collection.RunErrored) || s.Error != store.ReasonRunnerLost || s.Attempt != 2 {
		t.Errorf("run after both attempts were lost: %s; want errored runner_lost on attempt 2", s)
	}
	for attempt := 1; attempt <= 2; attempt++ {
		if got := e.steps(id, attempt); !slices.Equal(got, attempt1Lost) {
			t.Errorf("attempt %d steps %q, want %q", attempt, got, attempt1Lost)
		}
	}
	if n := e.target.hitsOf(blockedStep + 1); n != 0 {
		t.Errorf("the target saw step %d %d times; no attempt got past step %d", blockedStep+1, n, blockedStep)
	}
	e.audit()
	t.Logf("second kill -9 → run %s after %s", s, took.Round(10*time.Millisecond))
}
