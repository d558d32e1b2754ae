package store

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// auditSQL checks the invariants of docs/reliability.md that the database
// alone can decide: I1 in part (one run per slot, final runs closed), I2, I3,
// I4 (incidents announced, deliveries finished within the retry window, dead
// ones explained), I5 (one dedup key per incident, resolves sent) and I6.
//
//go:embed audit.sql
var auditSQL string

// DefaultAuditGrace is how long Audit lets a run stay running past its lease:
// the default sweep interval, by which the sweeper re-queues or ends it.
const DefaultAuditGrace = 15 * time.Second

// DefaultAuditSince is how far back Audit looks: everything.
const DefaultAuditSince = 100 * 365 * 24 * time.Hour

// DefaultRetryWindow is how long a delivery may stay pending or retrying:
// the dispatcher's backoff over its attempts ends well within it.
const DefaultRetryWindow = 24 * time.Hour

// AuditOptions tune AuditWith; zero values take the defaults.
type AuditOptions struct {
	// Grace is how long a run may stay running past its lease (the sweep interval).
	Grace time.Duration
	// Since limits the audit to runs queued and deliveries created this recently.
	Since time.Duration
	// RetryWindow is how long a delivery may stay unfinished.
	RetryWindow time.Duration
}

// Violation is one broken invariant found by Audit.
type Violation struct {
	// Invariant is I1 to I6 (docs/reliability.md).
	Invariant string
	// Check names the rule, such as "expired_lease" or "step_gap".
	Check string
	// RunID and Attempt locate it (0 when the check is about several runs or none).
	RunID   collection.RunID
	Attempt int
	// DeliveryID is the alert delivery concerned, for I4 and I5 (0: none).
	DeliveryID int64
	Detail     string
}

func (v Violation) String() string {
	at := fmt.Sprintf("run %d attempt %d", v.RunID, v.Attempt)
	if v.DeliveryID != 0 {
		at = fmt.Sprintf("delivery %d (run %d)", v.DeliveryID, v.RunID)
	}
	return fmt.Sprintf("%s %s: %s: %s", v.Invariant, v.Check, at, v.Detail)
}

// Audit returns every violation of the run invariants in db (a pool or a
// transaction), with DefaultAuditGrace for expired leases; none is a clean
// database.
func Audit(ctx context.Context, db DB) ([]Violation, error) {
	return AuditWithGrace(ctx, db, DefaultAuditGrace)
}

// AuditWithGrace is Audit with the grace a running run may be past its lease
// (use the sweep interval the runners run with).
func AuditWithGrace(ctx context.Context, db DB, grace time.Duration) ([]Violation, error) {
	return AuditWith(ctx, db, AuditOptions{Grace: grace})
}

// AuditWith is Audit with every option (catena doctor's --since).
func AuditWith(ctx context.Context, db DB, o AuditOptions) ([]Violation, error) {
	interval := func(d, def time.Duration) string {
		if d <= 0 {
			d = def
		}
		return fmt.Sprintf("%d microseconds", d.Microseconds())
	}
	rows, err := db.Query(ctx, auditSQL, interval(o.Grace, DefaultAuditGrace), interval(o.Since, DefaultAuditSince), interval(o.RetryWindow, DefaultRetryWindow))
	if err != nil {
		return nil, fmt.Errorf("auditing runs: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Violation, error) {
		var v Violation
		err := row.Scan(&v.Invariant, &v.Check, &v.RunID, &v.Attempt, &v.DeliveryID, &v.Detail)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("auditing runs: %w", translate(err))
	}
	return out, nil
}
