package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// InsertRunParams describe a new run. The snapshot is the collection as it will
// run; its Secrets are never stored (the field is json:"-"): the runner reads
// them with RunSecrets.
type InsertRunParams struct {
	CollectionID *collection.CollectionID
	MonitorID    *collection.MonitorID
	// Location defaults to collection.DefaultLocation.
	Location string
	Trigger  collection.Trigger
	// Status defaults to queued. A final status (missed) records a slot that
	// will not execute; its finished_at is set to now.
	Status collection.RunStatus
	// Error is the reason for a final Status ("overlap", "scheduler_down"…).
	Error        string
	ScheduledFor *time.Time
	// IdempotencyKey makes the insert idempotent; empty gets a random key.
	IdempotencyKey string
	Snapshot       collection.Collection
	CreatedBy      *collection.UserID
}

// ListRunsParams filter and page the run history, newest first.
type ListRunsParams struct {
	CollectionID *collection.CollectionID
	MonitorID    *collection.MonitorID
	Statuses     []collection.RunStatus
	Location     string
	// Since and Until bound queued_at: Since <= queued_at < Until.
	Since, Until *time.Time
	// First is the page size (default 50, at most 500).
	First int
	// After is the cursor of the last run of the previous page.
	After *RunCursor
}

// RunCursor is a position in the run history, ordered by (queued_at, id) descending.
type RunCursor struct {
	QueuedAt time.Time
	ID       collection.RunID
}

// CursorOf returns the cursor just after r.
func CursorOf(r collection.Run) RunCursor { return RunCursor{QueuedAt: r.QueuedAt, ID: r.ID} }

// Encode returns the cursor as an opaque string for APIs.
func (c RunCursor) Encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("r:%d:%d", c.QueuedAt.UnixMicro(), c.ID)))
}

// DecodeRunCursor parses what Encode returned.
func DecodeRunCursor(s string) (RunCursor, error) {
	bad := collection.Invalid("after", "cursor %q is not valid; use the cursor of a run from a previous page", s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return RunCursor{}, bad
	}
	parts := strings.Split(string(b), ":")
	if len(parts) != 3 || parts[0] != "r" {
		return RunCursor{}, bad
	}
	us, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return RunCursor{}, bad
	}
	return RunCursor{QueuedAt: time.UnixMicro(us).UTC(), ID: collection.RunID(id)}, nil
}

// runColumns are scanned by scanRun; the snapshot column is last so lists can
// replace it with the name only.
const runColumns = `id, collection_id, monitor_id, location, trigger, status, idempotency_key, scheduled_for,
    queued_at, started_at, finished_at, COALESCE(duration_ms, 0), error, attempt, collection_name`

const runColumnsWithSnapshot = runColumns + `, snapshot`

func scanRun(row pgx.Row, withSnapshot bool) (collection.Run, error) {
	var (
		r    collection.Run
		ms   int64
		name string
	)
	dest := []any{&r.ID, &r.CollectionID, &r.MonitorID, &r.Location, &r.Trigger, &r.Status, &r.IdempotencyKey,
		&r.ScheduledFor, &r.QueuedAt, &r.StartedAt, &r.FinishedAt, &ms, &r.Error, &r.Attempt, &name}
	if withSnapshot {
		dest = append(dest, &r.Snapshot)
	}
	if err := row.Scan(dest...); err != nil {
		return collection.Run{}, err
	}
	r.Duration = time.Duration(ms) * time.Millisecond
	if !withSnapshot {
		r.Snapshot.Name = name
	}
	return r, nil
}

// InsertRun inserts a run on db (a transaction when the caller also inserts its
// job). When a run with the same idempotency key exists, it returns that run
// and created=false. A concurrent insert of the same key waits for the first
// transaction and then sees its row (READ COMMITTED, the pgx default).
func (s *Store) InsertRun(ctx context.Context, db DB, p InsertRunParams) (collection.Run, bool, error) {
	if p.Location == "" {
		p.Location = collection.DefaultLocation
	}
	if p.Status == "" {
		p.Status = collection.RunQueued
	}
	if p.Status == collection.RunRunning {
		return collection.Run{}, false, collection.Invalid("status", "a run is inserted queued or final, not running")
	}
	if p.IdempotencyKey == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		p.IdempotencyKey = "run:" + hex.EncodeToString(b)
	}
	snap := p.Snapshot
	snap.Secrets = nil // json:"-" already; keep it out of memory copies too
	row := db.QueryRow(ctx, `
INSERT INTO runs (collection_id, monitor_id, collection_name, location, trigger, status, error, snapshot,
    idempotency_key, scheduled_for, created_by, finished_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $6 IN ('queued', 'running') THEN NULL ELSE now() END)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING `+runColumnsWithSnapshot,
		p.CollectionID, p.MonitorID, snap.Name, p.Location, p.Trigger, p.Status, p.Error, snap,
		p.IdempotencyKey, p.ScheduledFor, p.CreatedBy)
	r, err := scanRun(row, true)
	if err == nil {
		return r, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return collection.Run{}, false, fmt.Errorf("inserting run: %w", translate(err))
	}
	r, err = scanRun(db.QueryRow(ctx, `SELECT `+runColumnsWithSnapshot+` FROM runs WHERE idempotency_key = $1`, p.IdempotencyKey), true)
	if err != nil {
		return collection.Run{}, false, fmt.Errorf("reading run %q: %w", p.IdempotencyKey, translate(err))
	}
	return r, false, nil
}

// GetRun returns a run whole: its snapshot and the latest attempt's step
// results with their assertion results.
func (s *Store) GetRun(ctx context.Context, id collection.RunID) (*collection.Run, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT `+runColumnsWithSnapshot+` FROM runs WHERE id = $1`, id)
	b.Queue(stepResultsSQL, id)
	b.Queue(assertionResultsSQL, id)
	br := s.pool.SendBatch(ctx, b)
	defer func() { _ = br.Close() }()
	r, err := scanRun(br.QueryRow(), true)
	if err != nil {
		return nil, fmt.Errorf("run %d: %w", id, translate(err))
	}
	rows, _ := br.Query()
	steps, err := pgx.CollectRows(rows, scanStepResult)
	if err != nil {
		return nil, fmt.Errorf("loading step results of run %d: %w", id, err)
	}
	rows, _ = br.Query()
	byPos := make(map[int]int, len(steps))
	for i, st := range steps {
		byPos[st.Position] = i
	}
	for rows.Next() {
		var pos int
		var a collection.AssertionResult
		if err := rows.Scan(&pos, &a.Source, &a.Property, &a.Comparison, &a.Target, &a.Expected, &a.Actual, &a.Passed, &a.Reason); err != nil {
			rows.Close()
			return nil, fmt.Errorf("loading assertion results of run %d: %w", id, err)
		}
		if i, ok := byPos[pos]; ok {
			steps[i].Assertions = append(steps[i].Assertions, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loading assertion results of run %d: %w", id, err)
	}
	r.Steps = steps
	if err := s.loadBrowser(ctx, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

const stepResultsSQL = `
SELECT sr.run_id, sr.attempt, sr.position, sr.name, sr.status, sr.error_code, sr.error, sr.request,
    sr.response_status, sr.response_headers, sr.response_body, sr.response_truncated, sr.response_size,
    sr.dns_us, sr.connect_us, sr.tls_us, sr.first_byte_us, sr.total_us, sr.trace_id, sr.tries, sr.insecure, sr.started_at
FROM step_results sr JOIN runs r ON r.id = sr.run_id AND r.attempt = sr.attempt
WHERE sr.run_id = $1
ORDER BY sr.position`

const assertionResultsSQL = `
SELECT ar.step_position, ar.source, ar.property, ar.comparison, ar.target, ar.expected, ar.actual, ar.passed, ar.reason
FROM assertion_results ar JOIN runs r ON r.id = ar.run_id AND r.attempt = ar.attempt
WHERE ar.run_id = $1
ORDER BY ar.step_position, ar.position`

func scanStepResult(row pgx.CollectableRow) (collection.StepResult, error) {
	var (
		st                              collection.StepResult
		status                          *int
		headers                         map[string][]string
		body                            *string
		truncated                       bool
		size                            *int64
		dns, connect, tls, first, total int64
	)
	if err := row.Scan(&st.RunID, &st.Attempt, &st.Position, &st.Name, &st.Status, &st.ErrorCode, &st.Error, &st.Request,
		&status, &headers, &body, &truncated, &size, &dns, &connect, &tls, &first, &total,
		&st.TraceID, &st.Tries, &st.Insecure, &st.StartedAt); err != nil {
		return st, err
	}
	if status != nil {
		st.Response = &collection.ResponseRecord{Status: *status, Headers: headers, BodyTruncated: truncated}
		if body != nil {
			st.Response.Body = *body
		}
		if size != nil {
			st.Response.Size = *size
		}
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	st.Timings = collection.Timings{DNS: us(dns), Connect: us(connect), TLS: us(tls), FirstByte: us(first), Total: us(total)}
	return st, nil
}

// ListRuns returns a page of runs, newest first, without step results. The
// snapshot is not loaded: Snapshot.Name holds the collection's name as it ran
// (GetRun returns the whole run).
func (s *Store) ListRuns(ctx context.Context, p ListRunsParams) ([]collection.Run, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if p.CollectionID != nil {
		where = append(where, "collection_id = "+arg(*p.CollectionID))
	}
	if p.MonitorID != nil {
		where = append(where, "monitor_id = "+arg(*p.MonitorID))
	}
	if len(p.Statuses) > 0 {
		ss := make([]string, len(p.Statuses))
		for i, st := range p.Statuses {
			ss[i] = string(st)
		}
		where = append(where, "status = ANY("+arg(ss)+"::text[])")
	}
	if p.Location != "" {
		where = append(where, "location = "+arg(p.Location))
	}
	if p.Since != nil {
		where = append(where, "queued_at >= "+arg(*p.Since))
	}
	if p.Until != nil {
		where = append(where, "queued_at < "+arg(*p.Until))
	}
	if p.After != nil {
		where = append(where, fmt.Sprintf("(queued_at, id) < (%s, %s)", arg(p.After.QueuedAt), arg(p.After.ID)))
	}
	q := `SELECT ` + runColumns + ` FROM runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY queued_at DESC, id DESC LIMIT ` + arg(pageSize(p.First))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.Run, error) { return scanRun(r, false) })
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	return out, nil
}

// LatestRuns returns the newest run of each collection (by queued_at), in one
// query, without snapshot or steps. Collections without runs are absent.
func (s *Store) LatestRuns(ctx context.Context, ids []collection.CollectionID) (map[collection.CollectionID]collection.Run, error) {
	rows, err := s.pool.Query(ctx, `
SELECT `+runColumns+`
FROM unnest($1::bigint[]) AS c(cid)
CROSS JOIN LATERAL (
    SELECT * FROM runs WHERE runs.collection_id = c.cid ORDER BY queued_at DESC, id DESC LIMIT 1
) r`, ids)
	if err != nil {
		return nil, fmt.Errorf("loading latest runs: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.Run, error) { return scanRun(r, false) })
	if err != nil {
		return nil, fmt.Errorf("loading latest runs: %w", err)
	}
	out := make(map[collection.CollectionID]collection.Run, len(list))
	for _, r := range list {
		if r.CollectionID != nil {
			out[*r.CollectionID] = r
		}
	}
	return out, nil
}

// fenced explains why a fenced write changed nothing.
func (s *Store) fenced(ctx context.Context, db DB, id collection.RunID, attempt int) error {
	var cur int
	var status collection.RunStatus
	if err := db.QueryRow(ctx, `SELECT attempt, status FROM runs WHERE id = $1`, id).Scan(&cur, &status); err != nil {
		return fmt.Errorf("run %d: %w", id, translate(err))
	}
	return fenceError(id, attempt, cur, status)
}

func fenceError(id collection.RunID, attempt, cur int, status collection.RunStatus) error {
	if status.Final() {
		return fmt.Errorf("run %d is already %s: %w", id, status, collection.ErrConflict)
	}
	return fmt.Errorf("run %d attempt %d is fenced out (the run is at attempt %d): %w", id, attempt, cur, collection.ErrConflict)
}

// StartRun marks a run running under attempt, holding a lease until
// leaseUntil. It is fenced: only an attempt newer than the stored one may
// start, and never on a final run (ErrConflict).
func (s *Store) StartRun(ctx context.Context, id collection.RunID, attempt int, leaseUntil time.Time) (collection.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, `
UPDATE runs SET status = 'running', attempt = $2, started_at = now(), lease_expires_at = $3
WHERE id = $1 AND attempt < $2 AND status IN ('queued', 'running')
RETURNING `+runColumnsWithSnapshot, id, attempt, leaseUntil), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return collection.Run{}, s.fenced(ctx, s.pool, id, attempt)
	}
	if err != nil {
		return collection.Run{}, fmt.Errorf("starting run %d: %w", id, translate(err))
	}
	return r, nil
}

// ExtendLease moves the lease of a running attempt (ErrConflict when fenced out).
func (s *Store) ExtendLease(ctx context.Context, id collection.RunID, attempt int, until time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET lease_expires_at = $3 WHERE id = $1 AND attempt = $2 AND status = 'running'`, id, attempt, until)
	if err != nil {
		return fmt.Errorf("extending lease of run %d: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return s.fenced(ctx, s.pool, id, attempt)
	}
	return nil
}

// stepRow is one step result as jsonb_to_recordset reads it.
type stepRow struct {
	Position          int                      `json:"position"`
	Name              string                   `json:"name"`
	Status            collection.StepStatus    `json:"status"`
	ErrorCode         string                   `json:"error_code"`
	Error             string                   `json:"error"`
	Request           collection.RequestRecord `json:"request"`
	ResponseStatus    *int                     `json:"response_status"`
	ResponseHeaders   map[string][]string      `json:"response_headers"`
	ResponseBody      *string                  `json:"response_body"`
	ResponseTruncated bool                     `json:"response_truncated"`
	ResponseSize      *int64                   `json:"response_size"`
	DNS               int64                    `json:"dns_us"`
	Connect           int64                    `json:"connect_us"`
	TLS               int64                    `json:"tls_us"`
	FirstByte         int64                    `json:"first_byte_us"`
	Total             int64                    `json:"total_us"`
	TraceID           string                   `json:"trace_id"`
	Tries             int                      `json:"tries"`
	Insecure          bool                     `json:"insecure"`
	StartedAt         *time.Time               `json:"started_at"`
}

type assertionRow struct {
	StepPosition int    `json:"step_position"`
	Position     int    `json:"position"`
	Source       string `json:"source"`
	Property     string `json:"property"`
	Comparison   string `json:"comparison"`
	Target       string `json:"target"`
	Expected     string `json:"expected"`
	Actual       string `json:"actual"`
	Passed       bool   `json:"passed"`
	Reason       string `json:"reason"`
}

// openAt is true while attempt is the run's current, unfinished attempt; every
// result write is guarded by it.
const openAt = `EXISTS (SELECT 1 FROM runs WHERE id = $1 AND attempt = $2 AND status IN ('queued', 'running'))`

// queueStepWrites adds to b the statements that upsert steps (with their
// assertion results) of one attempt: three statements whatever the count.
func queueStepWrites(b *pgx.Batch, id collection.RunID, attempt int, steps []collection.StepResult) {
	srows := make([]stepRow, len(steps))
	var arows []assertionRow
	positions := make([]int32, len(steps))
	for i, st := range steps {
		r := stepRow{
			Position: st.Position, Name: st.Name, Status: st.Status, ErrorCode: st.ErrorCode, Error: st.Error,
			Request: st.Request, DNS: st.Timings.DNS.Microseconds(), Connect: st.Timings.Connect.Microseconds(),
			TLS: st.Timings.TLS.Microseconds(), FirstByte: st.Timings.FirstByte.Microseconds(),
			Total: st.Timings.Total.Microseconds(), TraceID: st.TraceID, Tries: st.Tries, Insecure: st.Insecure,
		}
		if !st.StartedAt.IsZero() {
			t := st.StartedAt
			r.StartedAt = &t
		}
		if resp := st.Response; resp != nil {
			r.ResponseStatus, r.ResponseHeaders, r.ResponseBody = &resp.Status, resp.Headers, &resp.Body
			r.ResponseTruncated, r.ResponseSize = resp.BodyTruncated, &resp.Size
		}
		srows[i] = r
		positions[i] = int32(st.Position)
		for j, a := range st.Assertions {
			arows = append(arows, assertionRow{
				StepPosition: st.Position, Position: j, Source: string(a.Source), Property: a.Property,
				Comparison: string(a.Comparison), Target: a.Target, Expected: a.Expected, Actual: a.Actual,
				Passed: a.Passed, Reason: a.Reason,
			})
		}
	}
	if arows == nil {
		arows = []assertionRow{}
	}
	b.Queue(`
INSERT INTO step_results (run_id, attempt, position, name, status, error_code, error, request, response_status,
    response_headers, response_body, response_truncated, response_size, dns_us, connect_us, tls_us, first_byte_us,
    total_us, trace_id, tries, insecure, started_at)
SELECT $1::bigint, $2::int, x.position, x.name, x.status, COALESCE(x.error_code, ''), COALESCE(x.error, ''),
    x.request, x.response_status, x.response_headers, x.response_body, COALESCE(x.response_truncated, false),
    x.response_size, x.dns_us, x.connect_us, x.tls_us, x.first_byte_us, x.total_us, COALESCE(x.trace_id, ''),
    x.tries, x.insecure, COALESCE(x.started_at, now())
FROM jsonb_to_recordset($3::jsonb) AS x(position int, name text, status text, error_code text, error text,
    request jsonb, response_status int, response_headers jsonb, response_body text, response_truncated boolean,
    response_size bigint, dns_us bigint, connect_us bigint, tls_us bigint, first_byte_us bigint, total_us bigint,
    trace_id text, tries int, insecure boolean, started_at timestamptz)
WHERE `+openAt+`
ON CONFLICT (run_id, attempt, position) DO UPDATE SET
    name = excluded.name, status = excluded.status, error_code = excluded.error_code, error = excluded.error,
    request = excluded.request, response_status = excluded.response_status,
    response_headers = excluded.response_headers, response_body = excluded.response_body,
    response_truncated = excluded.response_truncated, response_size = excluded.response_size,
    dns_us = excluded.dns_us, connect_us = excluded.connect_us, tls_us = excluded.tls_us,
    first_byte_us = excluded.first_byte_us, total_us = excluded.total_us, trace_id = excluded.trace_id,
    tries = excluded.tries, insecure = excluded.insecure, started_at = excluded.started_at`,
		id, attempt, srows)
	b.Queue(`DELETE FROM assertion_results WHERE run_id = $1 AND attempt = $2 AND step_position = ANY($3) AND `+openAt,
		id, attempt, positions)
	b.Queue(`
INSERT INTO assertion_results (run_id, attempt, step_position, position, source, property, comparison, target,
    expected, actual, passed, reason)
SELECT $1::bigint, $2::int, x.step_position, x.position, x.source, COALESCE(x.property, ''), x.comparison,
    COALESCE(x.target, ''), COALESCE(x.expected, ''), COALESCE(x.actual, ''), x.passed, COALESCE(x.reason, '')
FROM jsonb_to_recordset($3::jsonb) AS x(step_position int, position int, source text, property text,
    comparison text, target text, expected text, actual text, passed boolean, reason text)
WHERE `+openAt, id, attempt, arows)
}

// lockRunSQL locks the run row for the rest of the transaction, so the guards
// of the writes after it see one state.
const lockRunSQL = `SELECT attempt, status FROM runs WHERE id = $1 FOR UPDATE`

// FinishRun ends an attempt: the run gets its final status and every step
// result with its assertion results is written, in one round trip on the
// caller's transaction (alerting adds its rows to the same tx). It is fenced
// by attempt: when the attempt is not the run's current, unfinished one,
// nothing changes and the error is ErrConflict.
func (s *Store) FinishRun(ctx context.Context, tx pgx.Tx, p collection.FinishRunParams) error {
	if !p.Status.Final() {
		return collection.Invalid("status", "a run finishes with a final status, not %q", p.Status)
	}
	finished := p.FinishedAt
	if finished.IsZero() {
		finished = time.Now()
	}
	b := &pgx.Batch{}
	b.Queue(lockRunSQL, p.ID)
	queueStepWrites(b, p.ID, p.Attempt, p.Steps)
	b.Queue(`
UPDATE runs SET status = $3, error = $4, finished_at = GREATEST($5, started_at), duration_ms = $6,
    lease_expires_at = NULL
WHERE id = $1 AND attempt = $2 AND status IN ('queued', 'running')`,
		p.ID, p.Attempt, p.Status, p.Error, finished, p.Duration.Milliseconds())
	br := tx.SendBatch(ctx, b)
	var cur int
	var status collection.RunStatus
	if err := br.QueryRow().Scan(&cur, &status); err != nil {
		_ = br.Close()
		return fmt.Errorf("finishing run %d: %w", p.ID, translate(err))
	}
	for range 3 {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("writing step results of run %d: %w", p.ID, translate(err))
		}
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("finishing run %d: %w", p.ID, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fenceError(p.ID, p.Attempt, cur, status)
	}
	return writeBrowser(ctx, tx, p.ID, p.Attempt, p.Steps)
}

// RecordSteps upserts the step results of a running attempt (progress as steps
// finish), fenced like FinishRun.
func (s *Store) RecordSteps(ctx context.Context, id collection.RunID, attempt int, steps []collection.StepResult) error {
	if len(steps) == 0 {
		return nil
	}
	return WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(lockRunSQL, id)
		queueStepWrites(b, id, attempt, steps)
		br := tx.SendBatch(ctx, b)
		var cur int
		var status collection.RunStatus
		err := br.QueryRow().Scan(&cur, &status)
		for i := 0; i < 3 && err == nil; i++ {
			_, err = br.Exec()
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("recording steps of run %d: %w", id, translate(err))
		}
		if cur != attempt || status.Final() {
			return fenceError(id, attempt, cur, status)
		}
		return writeBrowser(ctx, tx, id, attempt, steps)
	})
}

// CancelRun cancels a queued run at once; a running run is flagged
// (cancel_requested) and its runner stops at the next check and finishes it
// cancelled. Cancelling a finished run is a conflict, except that cancelling a
// cancelled run returns it unchanged.
func (s *Store) CancelRun(ctx context.Context, id collection.RunID) (collection.Run, error) {
	var out collection.Run
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		var status collection.RunStatus
		if err := tx.QueryRow(ctx, `SELECT status FROM runs WHERE id = $1 FOR UPDATE`, id).Scan(&status); err != nil {
			return fmt.Errorf("run %d: %w", id, translate(err))
		}
		var q string
		switch status {
		case collection.RunQueued:
			q = `UPDATE runs SET status = 'cancelled', error = 'cancelled', finished_at = now(), cancel_requested = true WHERE id = $1`
		case collection.RunRunning:
			q = `UPDATE runs SET cancel_requested = true WHERE id = $1`
		case collection.RunCancelled:
		default:
			return &collection.ConflictError{Field: "status", Message: fmt.Sprintf("run %d has already finished (%s)", id, status)}
		}
		if q != "" {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return fmt.Errorf("cancelling run %d: %w", id, translate(err))
			}
		}
		r, err := scanRun(tx.QueryRow(ctx, `SELECT `+runColumnsWithSnapshot+` FROM runs WHERE id = $1`, id), true)
		if err != nil {
			return fmt.Errorf("run %d: %w", id, translate(err))
		}
		out = r
		return nil
	})
	return out, err
}

// CancelRequested reports whether someone asked to cancel the run; the runner
// polls it while a run is in flight.
func (s *Store) CancelRequested(ctx context.Context, id collection.RunID) (bool, error) {
	var v bool
	if err := s.pool.QueryRow(ctx, `SELECT cancel_requested FROM runs WHERE id = $1`, id).Scan(&v); err != nil {
		return false, fmt.Errorf("run %d: %w", id, translate(err))
	}
	return v, nil
}
