package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// The audit log (table audit_log) records every mutation, sign-in and token
// change: who, what, on which object, from where, how it ended, and the
// arguments with every secret replaced. It is not the reliability auditor of
// audit.go, which checks run invariants.

// DefaultAuditRetention is how long audit rows are kept.
const DefaultAuditRetention = 400 * 24 * time.Hour

// maxAuditSummary bounds a stored summary (the column allows 64 KiB).
const maxAuditSummary = 32 << 10

// InsertAuditEntry appends e to the audit log; At, when zero, is now. A
// summary too large to keep is replaced by a note saying so.
func (s *Store) InsertAuditEntry(ctx context.Context, e collection.AuditEntry) error {
	summary := e.Summary
	if len(summary) == 0 {
		summary = json.RawMessage(`{}`)
	}
	if len(summary) > maxAuditSummary {
		summary, _ = json.Marshal(map[string]any{"truncated": fmt.Sprintf("arguments of %d bytes are not kept", len(summary))})
	}
	var at *time.Time
	if !e.At.IsZero() {
		at = &e.At
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO audit_log (at, actor_user_id, actor, action, object_type, object_id, outcome, error_code, client_ip, summary)
VALUES (COALESCE($1, now()), $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		at, e.ActorUserID, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Outcome, e.ErrorCode, e.ClientIP, string(summary)); err != nil {
		return fmt.Errorf("writing audit entry %s: %w", e.Action, translate(err))
	}
	return nil
}

// AuditFilter selects audit entries; zero fields match everything.
type AuditFilter struct {
	ActorUserID *collection.UserID
	Action      string
	ObjectType  string
	ObjectID    string
	Outcome     collection.AuditOutcome
	Since       *time.Time
	Until       *time.Time
}

// ListAuditParams is a page of the audit log, newest first.
type ListAuditParams struct {
	AuditFilter
	// First is the page size (default 50, at most 500).
	First int
	// Before is the id the previous page ended at (0: from the newest).
	Before int64
}

const auditColumns = `id, at, actor_user_id, actor, action, object_type, object_id, outcome, error_code, client_ip, summary`

const auditWhere = `($1::bigint IS NULL OR actor_user_id = $1) AND ($2 = '' OR action = $2) AND ($3 = '' OR object_type = $3)
  AND ($4 = '' OR object_id = $4) AND ($5 = '' OR outcome = $5) AND ($6::timestamptz IS NULL OR at >= $6)
  AND ($7::timestamptz IS NULL OR at < $7)`

func (f AuditFilter) args() []any {
	return []any{f.ActorUserID, f.Action, f.ObjectType, f.ObjectID, string(f.Outcome), f.Since, f.Until}
}

func scanAudit(row pgx.Row) (collection.AuditEntry, error) {
	var e collection.AuditEntry
	var summary []byte
	err := row.Scan(&e.ID, &e.At, &e.ActorUserID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.Outcome, &e.ErrorCode, &e.ClientIP, &summary)
	e.Summary = summary
	return e, err
}

// ListAuditEntries returns a page of the audit log, newest first.
func (s *Store) ListAuditEntries(ctx context.Context, p ListAuditParams) ([]collection.AuditEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+auditWhere+`
  AND ($8 = 0 OR id < $8) ORDER BY id DESC LIMIT $9`, append(p.args(), p.Before, pageSize(p.First))...)
	if err != nil {
		return nil, fmt.Errorf("listing the audit log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.AuditEntry, error) { return scanAudit(r) })
	if err != nil {
		return nil, fmt.Errorf("listing the audit log: %w", err)
	}
	return out, nil
}

// exportBatch is how many rows one export query reads.
const exportBatch = 1000

// ExportAuditEntries calls fn for every entry f selects, oldest first, a
// batch of rows at a time so a long log is never held in memory whole.
func (s *Store) ExportAuditEntries(ctx context.Context, f AuditFilter, fn func(collection.AuditEntry) error) error {
	var after int64
	for {
		rows, err := s.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+auditWhere+`
  AND id > $8 ORDER BY id LIMIT $9`, append(f.args(), after, exportBatch)...)
		if err != nil {
			return fmt.Errorf("exporting the audit log: %w", err)
		}
		batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.AuditEntry, error) { return scanAudit(r) })
		if err != nil {
			return fmt.Errorf("exporting the audit log: %w", err)
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(batch) < exportBatch {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}

// PruneAuditLog deletes audit entries older than before, at most limit of
// them, oldest first; it returns how many it deleted.
func (s *Store) PruneAuditLog(ctx context.Context, before time.Time, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM audit_log WHERE id IN (
    SELECT id FROM audit_log WHERE at < $1 ORDER BY at, id LIMIT $2)`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("pruning the audit log: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// RunCollectionVersion is the version of its collection a run ran (set when
// it was queued); nil when the collection had no version yet.
func (s *Store) RunCollectionVersion(ctx context.Context, id collection.RunID) (*int, error) {
	var v *int
	if err := s.pool.QueryRow(ctx, `SELECT collection_version FROM runs WHERE id = $1`, id).Scan(&v); err != nil {
		return nil, fmt.Errorf("run %d: %w", id, translate(err))
	}
	return v, nil
}
