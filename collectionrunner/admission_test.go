package collectionrunner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// Under CPU pressure a new run waits instead of starting, while the run in
// flight keeps executing its steps; once pressure falls the waiting run starts.
func TestAdmissionDefersNewRunsUnderPressure(t *testing.T) {
	var pressure atomic.Int64 // the scheduling latency the gate sees
	var looked atomic.Int64   // how often it looked
	pressure.Store(int64(time.Second))
	gate := newAdmission(AdmissionConfig{
		MaxSchedLatency: 20 * time.Millisecond,
		Pressure: func() time.Duration {
			looked.Add(1)
			return time.Duration(pressure.Load())
		},
		Poll: time.Millisecond,
	})

	// The first run is admitted whatever the pressure (MinInFlight 1).
	releaseA, err := gate.admit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	admittedB := make(chan func(), 1)
	go func() {
		release, err := gate.admit(context.Background())
		if err != nil {
			t.Error(err)
			return
		}
		admittedB <- release
	}()

	// Run A executes a chain against a real target while B is held back.
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	e := NewExecutor(Config{Client: srv.Client()})
	c := &collection.Collection{Name: "a", Steps: []collection.Step{
		{Name: "one", Method: "GET", URL: srv.URL}, {Name: "two", Method: "GET", URL: srv.URL},
	}}
	if out := e.Run(context.Background(), c, nil); out.Status != collection.RunPassed {
		t.Fatalf("run A under pressure: %s %s", out.Status, out.Error)
	}
	if served.Load() != 2 {
		t.Fatalf("run A's steps reached the target %d times, want 2", served.Load())
	}
	// B has looked at the pressure again and again and is still waiting.
	for deadline := time.Now().Add(10 * time.Second); looked.Load() < 5; {
		if time.Now().After(deadline) {
			t.Fatal("the waiting run never looked at the pressure again")
		}
		time.Sleep(time.Millisecond) // polling for the gate's loop
	}
	select {
	case <-admittedB:
		t.Fatal("run B started while the scheduling latency was above the limit")
	default:
	}
	if n := gate.running(); n != 1 {
		t.Fatalf("%d runs in flight, want 1", n)
	}

	pressure.Store(int64(time.Millisecond))
	select {
	case release := <-admittedB:
		release()
	case <-time.After(10 * time.Second):
		t.Fatal("run B did not start once pressure fell")
	}
	releaseA()
	if n := gate.running(); n != 0 {
		t.Fatalf("%d runs in flight after both released, want 0", n)
	}
}

// A waiting run gives up when its context ends (the runner stopping).
func TestAdmissionWaitEndsWithContext(t *testing.T) {
	gate := newAdmission(AdmissionConfig{Pressure: func() time.Duration { return time.Second }, Poll: time.Millisecond})
	release, err := gate.admit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := gate.admit(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("admit with a cancelled context: %v, want context.Canceled", err)
	}
}

// The default probe reads the runtime's scheduling latencies.
func TestSchedProbeReadsRuntimeMetrics(t *testing.T) {
	p := newSchedProbe(0)
	first := p.latency()
	done := make(chan struct{})
	for range 100 { // some scheduling events for the next window
		go func() { done <- struct{}{} }()
	}
	for range 100 {
		<-done
	}
	second := p.latency()
	if first < 0 || second < 0 || len(p.prev) == 0 {
		t.Fatalf("probe read %s then %s over %d buckets", first, second, len(p.prev))
	}
	var total uint64
	for _, c := range p.prev {
		total += c
	}
	if total == 0 {
		t.Fatal("the probe saw no scheduling events in /sched/latencies:seconds")
	}
	// Negative disables the gate.
	off := newAdmission(AdmissionConfig{MaxSchedLatency: -1, Pressure: func() time.Duration { return time.Hour }})
	for range 3 {
		if !off.tryAdmit() {
			t.Fatal("a disabled gate held a run back")
		}
	}
}

// A burst of jobs is let in a share per window even with no pressure, so the
// pressure reading can catch up with the runs already started.
func TestAdmissionPacesABurst(t *testing.T) {
	gate := newAdmission(AdmissionConfig{Pressure: func() time.Duration { return 0 }, Poll: time.Hour})
	n := 0
	for gate.tryAdmit() {
		n++
		if n > 1000 {
			break
		}
	}
	if n != minBurst {
		t.Fatalf("%d runs started in one window from idle, want %d", n, minBurst)
	}
}

// Hold keeps new runs waiting even without CPU pressure (serve's runner while
// its scheduler enqueues), beyond the one run always let in, and admission
// control switched off (negative MaxSchedLatency) does not lift it.
func TestAdmissionHoldWaitsWhateverThePressure(t *testing.T) {
	var held atomic.Bool
	held.Store(true)
	gate := newAdmission(AdmissionConfig{
		MaxSchedLatency: -1,
		Pressure:        func() time.Duration { return 0 },
		Hold:            held.Load,
		Poll:            time.Millisecond,
	})
	releaseA, err := gate.admit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	admittedB := make(chan func(), 1)
	go func() {
		release, err := gate.admit(context.Background())
		if err == nil {
			admittedB <- release
		}
	}()
	select {
	case <-admittedB:
		t.Fatal("a second run started while held")
	case <-time.After(50 * time.Millisecond): // many polls of the gate
	}
	held.Store(false)
	select {
	case release := <-admittedB:
		release()
	case <-time.After(10 * time.Second):
		t.Fatal("the held run never started once the hold ended")
	}
	releaseA()
	if n := gate.running(); n != 0 {
		t.Fatalf("%d runs in flight after both ended, want 0", n)
	}
}
