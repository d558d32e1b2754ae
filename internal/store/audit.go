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
// alone can decide (I1 in part, I2, I3, I6).
//
//go:embed audit.sql
var auditSQL string

// DefaultAuditGrace is how long Audit lets a run stay running past its lease:
// the default sweep interval, by which the sweeper re-queues or ends it.
const DefaultAuditGrace = 15 * time.Second

// Violation is one broken invariant found by Audit.
type Violation struct {
	// Invariant is I1, I2, I3 or I6 (docs/reliability.md).
	Invariant string
	// Check names the rule, such as "expired_lease" or "step_gap".
	Check string
	// RunID and Attempt locate it (0 when the check is about several runs).
	RunID   collection.RunID
	Attempt int
	Detail  string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s %s: run %d attempt %d: %s", v.Invariant, v.Check, v.RunID, v.Attempt, v.Detail)
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
	rows, err := db.Query(ctx, auditSQL, fmt.Sprintf("%d microseconds", grace.Microseconds()))
	if err != nil {
		return nil, fmt.Errorf("auditing runs: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Violation, error) {
		var v Violation
		err := row.Scan(&v.Invariant, &v.Check, &v.RunID, &v.Attempt, &v.Detail)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("auditing runs: %w", translate(err))
	}
	return out, nil
}
