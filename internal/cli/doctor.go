package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/store"
	"github.com/catena-monitor/catena/migrations"
)

// runDoctor runs the auditor (the invariants I1–I6 of docs/reliability.md)
// against the database and prints each violation with the run or delivery it
// concerns. Exit 0: none; 1: violations; 2: the check could not run.
func runDoctor(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "doctor")
	since := fs.Duration("since", 24*time.Hour, "audit runs queued and alert deliveries created this recently")
	grace := fs.Duration("grace", store.DefaultAuditGrace, "how long a run may stay running past its lease (the runners' sweep interval)")
	window := fs.Duration("retry-window", store.DefaultRetryWindow, "how long an alert delivery may stay pending or retrying")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return &ExitError{Code: 2, Err: fmt.Errorf("doctor takes no arguments, got %q", fs.Args())}
	}
	cfg, _, err := loadConfig(e)
	if err != nil {
		return err
	}
	pool, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	defer pool.Close()
	if err := migrations.Check(ctx, pool); err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("checking the schema: %w", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	vs, err := store.AuditWith(ctx, pool, store.AuditOptions{Grace: *grace, Since: *since, RetryWindow: *window})
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	for _, v := range vs {
		fmt.Fprintln(e.stdout, v)
	}
	if len(vs) > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d violation(s) of the run and alert invariants in the last %s", len(vs), *since)}
	}
	fmt.Fprintf(e.stdout, "ok: no violation of invariants I1-I6 in runs and deliveries of the last %s\n", *since)
	return nil
}

// deepReadiness answers /readyz?deep=1: the auditor over the last hour, 503
// with the violations as JSON when there are any. It is bounded by its own
// timeout, so a monitoring probe cannot pile up queries.
func deepReadiness(w http.ResponseWriter, r *http.Request, pool *pgxpool.Pool) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	vs, err := store.AuditWith(ctx, pool, store.AuditOptions{Since: time.Hour})
	if err != nil {
		http.Error(w, "audit unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	type violation struct {
		Invariant  string `json:"invariant"`
		Check      string `json:"check"`
		RunID      int64  `json:"run_id,omitempty"`
		Attempt    int    `json:"attempt,omitempty"`
		DeliveryID int64  `json:"delivery_id,omitempty"`
		Detail     string `json:"detail"`
	}
	out := struct {
		Ready      bool        `json:"ready"`
		Violations []violation `json:"violations"`
	}{Ready: len(vs) == 0, Violations: []violation{}}
	for _, v := range vs {
		out.Violations = append(out.Violations, violation{v.Invariant, v.Check, int64(v.RunID), v.Attempt, v.DeliveryID, v.Detail})
	}
	if len(vs) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(out)
}
