package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/catena-monitor/catena/internal/demoapi"
)

// runDemoAPI serves the chained demo API (internal/demoapi) that the quick start
// and the benchmarks run collections against.
func runDemoAPI(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "demo-api")
	addr := fs.String("addr", "127.0.0.1:9000", "address to listen on")
	printCollection := fs.Bool("print-collection", false, "print the example 10-step collection for this API and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: catena demo-api [--addr HOST:PORT] [--print-collection]\n\n"+
			"Serves a small chained API: POST /login (user %q, password %q) returns a token that\n"+
			"GET /me, POST /orders, GET /orders, GET /orders/{id}, GET /orders/{id}/receipt and\n"+
			"DELETE /orders/{id} require as \"Authorization: Bearer TOKEN\".\n\n", demoapi.User, demoapi.Password)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return &ExitError{Code: 2, Err: fmt.Errorf("demo-api takes no arguments, got %q", fs.Args())}
	}
	if *printCollection {
		_, err := e.stdout.Write(demoapi.ChainCollection)
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("listening on %s: %w", *addr, err)}
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "demo API on %s (user %q, password %q)\ntry: catena demo-api --print-collection > chain.yaml && catena run chain.yaml --var base=%s --secret password=%s\n",
		base, demoapi.User, demoapi.Password, base, demoapi.Password)
	return serveListener(ctx, ln, demoapi.New(demoapi.Config{}))
}

// serveListener serves h on ln until ctx ends, then shuts down gracefully.
func serveListener(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// usageError turns a flag parsing error into exit status 2 (help stays exit 0).
func usageError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &ExitError{Code: 2, Err: err}
}
