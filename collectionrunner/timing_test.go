package collectionrunner

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A step's latency is the target's: time the request spends in the runner
// before its first byte is written (here a slow dial hook standing in for a
// busy runner) is left out, while the target's own time is counted.
func TestLatencyExcludesTimeBeforeTheRequestIsWritten(t *testing.T) {
	const runnerDelay = 300 * time.Millisecond // spent before the dial starts
	const targetDelay = 50 * time.Millisecond  // spent by the target
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(targetDelay) // the target's latency being measured
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()

	var d net.Dialer
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			select { // the runner's own delay, before any byte goes out
			case <-time.After(runnerDelay):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return d.DialContext(ctx, network, addr)
		},
	}}
	defer client.CloseIdleConnections()

	r := &sendRequest{Method: http.MethodGet, URL: srv.URL, Header: http.Header{}, Timeout: 10 * time.Second}
	began := time.Now()
	res, serr := send(context.Background(), client, r, 1<<20, nil)
	elapsed := time.Since(began)
	if serr != nil {
		t.Fatalf("send: %v", serr)
	}
	tm := res.Timings
	if tm.Total+runnerDelay > elapsed {
		t.Errorf("latency %s counts the %s spent before the request was written (send took %s)", tm.Total, runnerDelay, elapsed)
	}
	if tm.Total < targetDelay || tm.FirstByte < targetDelay {
		t.Errorf("latency %s (first byte %s) leaves out the target's %s", tm.Total, tm.FirstByte, targetDelay)
	}
	if tm.Connect <= 0 || tm.Total < tm.Connect+tm.FirstByte {
		t.Errorf("a new connection's connect time %s should be part of latency %s (first byte %s)", tm.Connect, tm.Total, tm.FirstByte)
	}
}

// Without a written request (the trace did not fire) the exchange is timed
// from the call, as before.
func TestExchangeTimingsWithoutWrite(t *testing.T) {
	start := time.Now()
	var at [numPhases]time.Time
	at[phaseFirstByte] = start.Add(20 * time.Millisecond)
	tm := exchangeTimings(at, start, start.Add(30*time.Millisecond))
	if tm.Total != 30*time.Millisecond || tm.FirstByte != 20*time.Millisecond {
		t.Errorf("timings %+v, want total 30ms, first byte 20ms", tm)
	}
	at[phaseWrote] = start.Add(5 * time.Millisecond)
	at[phaseConnStart], at[phaseConnDone] = start.Add(time.Millisecond), start.Add(3*time.Millisecond)
	tm = exchangeTimings(at, start, start.Add(30*time.Millisecond))
	if tm.Total != 27*time.Millisecond || tm.FirstByte != 15*time.Millisecond {
		t.Errorf("timings %+v, want total 2ms connect + 25ms, first byte 15ms", tm)
	}
}
