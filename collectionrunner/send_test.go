package collectionrunner

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A dial outlives the request that started it: net/http keeps dialing after
// the request times out, and the dial's trace callbacks then fire while the
// run's clock is timing its next request. Under -race this test failed while
// the clock's fields were written without synchronisation.
func TestSendLateDialCallbacks(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)

	release := make(chan struct{})
	lateDone := make(chan struct{})
	var dials atomic.Int32
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				// The first dial waits until its request has given up, then
				// connects (firing ConnectStart/ConnectDone from here).
				defer close(lateDone)
				<-release
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		DisableKeepAlives: true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, CheckRedirect: checkRedirect}

	var clock phaseClock
	ctx := traceContext(context.Background(), &clock)
	req := func(timeout time.Duration) *sendRequest {
		return &sendRequest{Method: http.MethodGet, URL: srv.URL + "/", Header: http.Header{}, Timeout: timeout, Follow: true}
	}

	if _, serr := send(ctx, client, req(50*time.Millisecond), 1<<20, &clock); serr == nil || serr.Code != CodeTimeout {
		t.Fatalf("first request: %v; want a timeout", serr)
	}
	close(release)

	// Time more requests while the first one's dial completes in the background.
	for i := 0; i < 5; i++ {
		res, serr := send(ctx, client, req(5*time.Second), 1<<20, &clock)
		if serr != nil {
			t.Fatalf("request %d: %v", i, serr)
		}
		tm := res.Timings
		if tm.Total <= 0 || tm.FirstByte <= 0 || tm.FirstByte > tm.Total || tm.Connect < 0 || tm.Connect > tm.Total {
			t.Errorf("request %d: implausible timings %+v", i, tm)
		}
	}
	<-lateDone

	// Once a request is timed, a late callback changes nothing.
	before := clock.stop()
	clock.trace().ConnectDone("tcp", "127.0.0.1:1", nil)
	if after := clock.stop(); after != before {
		t.Errorf("a callback after the request finished was recorded: %v, was %v", after, before)
	}
}

// The trace hooks may run on any goroutine while the clock is reset and read.
func TestPhaseClockConcurrentCallbacks(t *testing.T) {
	t.Parallel()
	var clock phaseClock
	hooks := clock.trace()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				hooks.DNSStart(httptrace.DNSStartInfo{Host: "h"})
				hooks.ConnectStart("tcp", "a")
				hooks.ConnectDone("tcp", "a", nil)
				hooks.GotFirstResponseByte()
			}
		}()
	}
	for range 200 {
		clock.reset()
		at := clock.stop()
		if d := span(at[phaseConnStart], at[phaseConnDone]); d < 0 {
			t.Fatalf("negative span %v", d)
		}
	}
	close(stop)
	wg.Wait()
}
