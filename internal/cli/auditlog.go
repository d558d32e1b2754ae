package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/catena-monitor/catena/graph"
	"github.com/catena-monitor/catena/internal/collection"
)

// runAudit is `catena audit export [--since 24h] [--until TIME]`: the audit
// log (every mutation, sign-in and token change) as JSON lines on stdout,
// oldest first, read from the database as `catena token` does, so it needs
// the database URL and secret key an admin of the instance has. GET
// /api/audit.jsonl serves the same lines over HTTP.
func runAudit(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "export" {
		return &ExitError{Code: 2, Err: errors.New("usage: catena audit export [--since 24h|RFC3339] [--until RFC3339]")}
	}
	fs := newFlagSet(e, "audit export")
	since := fs.String("since", "24h", "entries this recent (a duration) or since this RFC 3339 time")
	until := fs.String("until", "", "entries before this RFC 3339 time (default: now)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return &ExitError{Code: 2, Err: fmt.Errorf("audit export takes no arguments, got %q", fs.Args())}
	}
	f, err := graph.ExportFilter(*since, *until, time.Now())
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	d, err := openDeps(ctx, e, false)
	if err != nil {
		return err
	}
	defer d.close()
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	return d.store.ExportAuditEntries(ctx, f, func(a collection.AuditEntry) error { return enc.Encode(a) })
}
