package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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
	// SnapshotJSON, when set, is the snapshot to store already encoded
	// (in its environment, without secrets), stored as it is: the queue
	// encodes it once to name it (collection.SnapshotKey) for the runner's cache.
	SnapshotJSON []byte
	CreatedBy    *collection.UserID
	// Environment is the environment the run uses ("" for none): the
	// snapshot is stored with its variables laid over the collection's
	// (collection.ForEnvironment), and the runner opens its secrets.
	Environment string
	// Chain links a retry to the run it retries (monitor retry before alerting).
	Chain collection.RetryChain
}

// ListRunsParams filter and page the run history, newest first.
type ListRunsParams struct {
	CollectionID *collection.CollectionID
	MonitorID    *collection.MonitorID
	Statuses     []collection.RunStatus
	Location     string
	// Tag keeps runs of monitors or collections carrying it ("" = all).
	Tag string
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
    queued_at, started_at, finished_at, COALESCE(duration_ms, 0), error, attempt, environment, retry_of, retry_attempt,
    retried, collection_name, COALESCE(quiet, '')`

const runColumnsWithSnapshot = runColumns + `, snapshot`

func scanRun(row pgx.Row, withSnapshot bool) (collection.Run, error) {
	var (
		r    collection.Run
		ms   int64
		name string
	)
	dest := []any{&r.ID, &r.CollectionID, &r.MonitorID, &r.Location, &r.Trigger, &r.Status, &r.IdempotencyKey,
		&r.ScheduledFor, &r.QueuedAt, &r.StartedAt, &r.FinishedAt, &ms, &r.Error, &r.Attempt,
		&r.Environment, &r.Chain.Of, &r.Chain.Attempt, &r.Chain.Retried, &name, &r.Quiet}
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

// latestCollectionVersion is the subquery of the latest version of the
// collection whose id is the SQL expression id (NULL when it has none): a
// run records the version current when it is inserted (runs.collection_version).
func latestCollectionVersion(id string) string {
	return `(SELECT v.version FROM object_versions v WHERE v.object_type = 'collection' AND v.object_id = ` + id +
		` ORDER BY v.version DESC LIMIT 1)`
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
	// SnapshotJSON is already in its environment, and a retry re-runs its
	// first run's snapshot, already in its environment.
	if p.SnapshotJSON == nil && p.Chain.Of == nil {
		inEnv, err := p.Snapshot.ForEnvironment(p.Environment)
		if err != nil {
			return collection.Run{}, false, err
		}
		snap = *inEnv
	}
	snap.Secrets = nil // json:"-" already; keep it out of memory copies too
	var stored any = snap
	if p.SnapshotJSON != nil {
		stored = json.RawMessage(p.SnapshotJSON)
	}
	// A retry re-runs its first run's snapshot, so it keeps that run's version.
	row := db.QueryRow(ctx, `
INSERT INTO runs (collection_id, monitor_id, collection_name, location, trigger, status, error, snapshot,
    idempotency_key, scheduled_for, created_by, finished_at, environment, retry_of, retry_attempt, collection_version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $6 IN ('queued', 'running') THEN NULL ELSE now() END,
    $12, $13, $14, CASE WHEN $13::bigint IS NULL THEN `+latestCollectionVersion("$1::bigint")+`
        ELSE (SELECT f.collection_version FROM runs f WHERE f.id = $13) END)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING `+runColumnsWithSnapshot,
		p.CollectionID, p.MonitorID, snap.Name, p.Location, p.Trigger, p.Status, p.Error, stored,
		p.IdempotencyKey, p.ScheduledFor, p.CreatedBy, p.Environment, p.Chain.Of, p.Chain.Attempt)
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
	r.Steps = steps
	if err := s.loadBrowser(ctx, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

const stepResultsSQL = `
SELECT sr.run_id, sr.attempt, sr.position, sr.name, sr.status, sr.error_code, sr.error, sr.request,
    sr.response_status, sr.response_headers, sr.response_body, sr.response_truncated, sr.response_size,
    sr.dns_us, sr.connect_us, sr.tls_us, sr.first_byte_us, sr.total_us, sr.trace_id, sr.tries, sr.insecure, sr.started_at,
    sr.assertions
FROM step_results sr JOIN runs r ON r.id = sr.run_id AND r.attempt = sr.attempt
WHERE sr.run_id = $1
ORDER BY sr.position`

// storedAssertion is one element of step_results.assertions (migration
// 013): a JSON array of eight fields by position, [source, property,
// comparison, target, expected, actual, passed, reason], so a passing status
// check stores ["status","","equals","200","200","200",true,""]. Without
// keys an element takes about half the space of an object (≈ 65 bytes), and
// every run writes one per assertion.
type storedAssertion struct {
	Source     collection.Source
	Property   string
	Comparison collection.Comparison
	Target     string
	Expected   string
	Actual     string
	Passed     bool
	Reason     string
}

// UnmarshalJSON reads an element as encodeAssertions writes it.
func (a *storedAssertion) UnmarshalJSON(b []byte) error {
	fields := [8]any{&a.Source, &a.Property, &a.Comparison, &a.Target, &a.Expected, &a.Actual, &a.Passed, &a.Reason}
	return json.Unmarshal(b, &fields)
}

// encodeAssertions returns a step's assertion results as the JSON array
// step_results.assertions holds (see storedAssertion). It writes the JSON
// itself: a finish encodes ≈ 33 of them, and encoding/json would box each
// field in an interface and re-scan each element's output.
func encodeAssertions(as []collection.AssertionResult) ([]byte, error) {
	buf := make([]byte, 0, 64*len(as)+2)
	buf = append(buf, '[')
	for i, a := range as {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		for j, f := range [...]string{string(a.Source), a.Property, string(a.Comparison), a.Target, a.Expected, a.Actual} {
			if j > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendJSONString(buf, f); err != nil {
				return nil, err
			}
		}
		buf = strconv.AppendBool(append(buf, ','), a.Passed)
		var err error
		if buf, err = appendJSONString(append(buf, ','), a.Reason); err != nil {
			return nil, err
		}
		buf = append(buf, ']')
	}
	return append(buf, ']'), nil
}

// appendJSONString appends s as a JSON string: as it is when it is printable
// ASCII without a quote or backslash (status codes, comparisons, most
// values), else as encoding/json writes it.
func appendJSONString(buf []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, err := json.Marshal(s)
			return append(buf, q...), err
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"'), nil
}

func scanStepResult(row pgx.CollectableRow) (collection.StepResult, error) {
	var (
		st                              collection.StepResult
		status                          *int
		headers                         map[string][]string
		body                            *string
		truncated                       bool
		size                            *int64
		dns, connect, tls, first, total int64
		assertions                      []storedAssertion
	)
	if err := row.Scan(&st.RunID, &st.Attempt, &st.Position, &st.Name, &st.Status, &st.ErrorCode, &st.Error, &st.Request,
		&status, &headers, &body, &truncated, &size, &dns, &connect, &tls, &first, &total,
		&st.TraceID, &st.Tries, &st.Insecure, &st.StartedAt, &assertions); err != nil {
		return st, err
	}
	for _, a := range assertions {
		st.Assertions = append(st.Assertions, collection.AssertionResult{
			Assertion: collection.Assertion{Source: a.Source, Property: a.Property, Comparison: a.Comparison, Target: a.Target},
			Expected:  a.Expected, Actual: a.Actual, Passed: a.Passed, Reason: a.Reason})
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
	if p.Tag != "" {
		t := arg(p.Tag)
		where = append(where, "(monitor_id IN (SELECT id FROM monitors WHERE "+t+" = ANY(tags)) OR collection_id IN (SELECT id FROM collections WHERE "+t+" = ANY(tags)))")
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

// StartRunCached is StartRun for a runner that holds the run's snapshot
// already (collection.RunJob.Snapshot names it): the same fenced update,
// returning the run without its snapshot, so Postgres neither decompresses
// nor encodes ≈ 5 KB of JSON per run and the runner decodes none.
func (s *Store) StartRunCached(ctx context.Context, id collection.RunID, attempt int, leaseUntil time.Time) (collection.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, `
UPDATE runs SET status = 'running', attempt = $2, started_at = now(), lease_expires_at = $3
WHERE id = $1 AND attempt < $2 AND status IN ('queued', 'running')
RETURNING `+runColumns, id, attempt, leaseUntil), false)
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

// stepArgs returns the parameters $1–$23 of upsertStepsSQL for steps of
// one attempt. Rows travel as one typed array per column (pgx's binary
// format), so only the request, headers and assertions are JSON, and a
// response body is sent as it is rather than escaped inside a JSON document
// that Postgres parses again.
func stepArgs(id collection.RunID, attempt int, steps []collection.StepResult) ([]any, error) {
	n := len(steps)
	var (
		positions                     = make([]int32, n)
		names, statuses, codes, errs  = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		requests, traces              = make([]string, n), make([]string, n)
		respStatus                    = make([]*int32, n)
		respHeaders, respBody         = make([]*string, n), make([]*string, n)
		truncated, insecure           = make([]bool, n), make([]bool, n)
		respSize                      = make([]*int64, n)
		dns, connect, tls, first, tot = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		tries                         = make([]int32, n)
		started                       = make([]*time.Time, n)
		assertions                    = make([]string, n)
	)
	for i, st := range steps {
		req, err := json.Marshal(st.Request)
		if err != nil {
			return nil, fmt.Errorf("encoding the request of step %d %q: %w", st.Position, st.Name, err)
		}
		positions[i], names[i], statuses[i], codes[i], errs[i] = int32(st.Position), st.Name, string(st.Status), st.ErrorCode, st.Error
		requests[i], traces[i], tries[i], insecure[i] = string(req), st.TraceID, int32(st.Tries), st.Insecure
		dns[i], connect[i], tls[i] = st.Timings.DNS.Microseconds(), st.Timings.Connect.Microseconds(), st.Timings.TLS.Microseconds()
		first[i], tot[i] = st.Timings.FirstByte.Microseconds(), st.Timings.Total.Microseconds()
		if !st.StartedAt.IsZero() {
			t := st.StartedAt
			started[i] = &t
		}
		if resp := st.Response; resp != nil {
			code, body, size := int32(resp.Status), resp.Body, resp.Size
			respStatus[i], respBody[i], respSize[i], truncated[i] = &code, &body, &size, resp.BodyTruncated
			if resp.Headers != nil {
				h, err := json.Marshal(resp.Headers)
				if err != nil {
					return nil, fmt.Errorf("encoding the response headers of step %d %q: %w", st.Position, st.Name, err)
				}
				hs := string(h)
				respHeaders[i] = &hs
			}
		}
		as, err := encodeAssertions(st.Assertions)
		if err != nil {
			return nil, fmt.Errorf("encoding the assertion results of step %d %q: %w", st.Position, st.Name, err)
		}
		assertions[i] = string(as)
	}
	return []any{id, attempt, positions, names, statuses, codes, errs, requests, respStatus, respHeaders, respBody,
		truncated, respSize, dns, connect, tls, first, tot, traces, tries, insecure, started, assertions}, nil
}

// upsertStepsSQL upserts the steps of stepArgs (with their assertion
// results) in one statement whatever their count, when guard holds. It is
// a CTE of the fenced statements below, so the guard reads the run row that
// statement has locked.
func upsertStepsSQL(guard string) string {
	return `
INSERT INTO step_results (run_id, attempt, position, name, status, error_code, error, request, response_status,
    response_headers, response_body, response_truncated, response_size, dns_us, connect_us, tls_us, first_byte_us,
    total_us, trace_id, tries, insecure, started_at, assertions)
SELECT $1::bigint, $2::int, x.position, x.name, x.status, x.error_code, x.error, x.request::jsonb, x.response_status,
    x.response_headers::jsonb, x.response_body, x.response_truncated, x.response_size, x.dns_us, x.connect_us, x.tls_us,
    x.first_byte_us, x.total_us, x.trace_id, x.tries, x.insecure, COALESCE(x.started_at, now()), x.assertions::jsonb
FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::text[], $11::text[],
        $12::bool[], $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[], $18::bigint[], $19::text[],
        $20::int[], $21::bool[], $22::timestamptz[], $23::text[])
    AS x(position, name, status, error_code, error, request, response_status, response_headers, response_body,
        response_truncated, response_size, dns_us, connect_us, tls_us, first_byte_us, total_us, trace_id, tries, insecure,
        started_at, assertions)
WHERE ` + guard + `
ON CONFLICT (run_id, attempt, position) DO UPDATE SET
    name = excluded.name, status = excluded.status, error_code = excluded.error_code, error = excluded.error,
    request = excluded.request, response_status = excluded.response_status,
    response_headers = excluded.response_headers, response_body = excluded.response_body,
    response_truncated = excluded.response_truncated, response_size = excluded.response_size,
    dns_us = excluded.dns_us, connect_us = excluded.connect_us, tls_us = excluded.tls_us,
    first_byte_us = excluded.first_byte_us, total_us = excluded.total_us, trace_id = excluded.trace_id,
    tries = excluded.tries, insecure = excluded.insecure, started_at = excluded.started_at,
    assertions = excluded.assertions`
}

// finishRunSQL ends attempt $2 of run $1 and upserts its steps in one
// statement. The fenced UPDATE takes the run's row lock (waiting for a
// concurrent sweep or rescue and re-checking its condition on the row they
// left), and the steps are written only if it matched: no write lands
// after the run is final or when a newer attempt owns it. It returns 1 if
// the attempt finished, 0 if it was fenced out.
var finishRunSQL = `
WITH fin AS (
    UPDATE runs SET status = $24, error = $25, finished_at = GREATEST($26, started_at), duration_ms = $27,
        lease_expires_at = NULL
    WHERE id = $1 AND attempt = $2 AND status IN ('queued', 'running')
    RETURNING id
), steps AS (` + upsertStepsSQL(`EXISTS (SELECT 1 FROM fin)`) + `
)
SELECT count(*) FROM fin`

// recordStepsSQL locks the run row and upserts the steps of attempt $2 if
// it is the run's current, unfinished one; it returns the run's attempt and
// status as locked, for the fence error.
var recordStepsSQL = `
WITH cur AS (SELECT attempt, status FROM runs WHERE id = $1 FOR UPDATE),
steps AS (` + upsertStepsSQL(`EXISTS (SELECT 1 FROM cur WHERE cur.attempt = $2 AND cur.status IN ('queued', 'running'))`) + `
)
SELECT attempt, status FROM cur`

// FinishRun ends an attempt: the run gets its final status and every step
// result with its assertion results is written, in one statement on the
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
	args, err := stepArgs(p.ID, p.Attempt, p.Steps)
	if err != nil {
		return fmt.Errorf("finishing run %d: %w", p.ID, err)
	}
	args = append(args, p.Status, p.Error, finished, p.Duration.Milliseconds())
	var n int
	if err := tx.QueryRow(ctx, finishRunSQL, args...).Scan(&n); err != nil {
		return fmt.Errorf("finishing run %d: %w", p.ID, translate(err))
	}
	if n == 0 {
		return s.fenced(ctx, tx, p.ID, p.Attempt)
	}
	return writeBrowser(ctx, tx, p.ID, p.Attempt, p.Steps)
}

// RecordSteps upserts the step results of a running attempt (progress as steps
// finish), fenced like FinishRun.
func (s *Store) RecordSteps(ctx context.Context, id collection.RunID, attempt int, steps []collection.StepResult) error {
	if len(steps) == 0 {
		return nil
	}
	args, err := stepArgs(id, attempt, steps)
	if err != nil {
		return fmt.Errorf("recording steps of run %d: %w", id, err)
	}
	return WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		// Progress is rewritten whole when the attempt finishes (and a lost
		// attempt is retried from the start), so losing this commit to a
		// server crash loses nothing: it need not wait for the WAL flush.
		b.Queue(`SET LOCAL synchronous_commit = off`)
		b.Queue(recordStepsSQL, args...)
		br := tx.SendBatch(ctx, b)
		var cur int
		var status collection.RunStatus
		_, err := br.Exec()
		if err == nil {
			err = br.QueryRow().Scan(&cur, &status)
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
// cancelled run returns it unchanged. ended reports whether this call ended a
// queued run (nothing else will count it as finished).
func (s *Store) CancelRun(ctx context.Context, id collection.RunID) (_ collection.Run, ended bool, _ error) {
	var out collection.Run
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		ended = false
		var status collection.RunStatus
		if err := tx.QueryRow(ctx, `SELECT status FROM runs WHERE id = $1 FOR UPDATE`, id).Scan(&status); err != nil {
			return fmt.Errorf("run %d: %w", id, translate(err))
		}
		var q string
		switch status {
		case collection.RunQueued:
			q = `UPDATE runs SET status = 'cancelled', error = 'cancelled', finished_at = now(), cancel_requested = true WHERE id = $1`
			ended = true
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
	return out, ended && err == nil, err
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

// MonitorRunStats are one monitor's dashboard figures over its finished runs
// (passed, failed, errored) queued within the window, aggregated in SQL.
type MonitorRunStats struct {
	// Runs24h counts the runs queued in the last 24 hours.
	Runs24h int
	// Uptime is the share of passed runs; P95Ms the nearest-rank 95th
	// percentile of their durations in milliseconds: exact while the running
	// totals do not reach into the window, else read from their histogram
	// (within 5%); nil without runs.
	Uptime24h, Uptime7d *float64
	P95Ms24h, P95Ms7d   *float64
	// Apdex7d and ErrorBudgetLeft7d are as in Stats, over the window (Apdex
	// with the T in force when an hour was added to the totals).
	Apdex7d, ErrorBudgetLeft7d *float64
	// Recent are the newest finished runs, newest first (status, duration,
	// queued and finished times only), for a sparkline.
	Recent []collection.Run
	// Latest holds the newest finished run of each of the monitor's current
	// collections × locations that has one (status, collection, location).
	Latest []collection.Run
}

// finishedSQL is the status filter of the dashboard figures: finished runs,
// and of a retry chain only the last (a retried run was superseded).
const finishedSQL = `status IN ('passed', 'failed', 'errored') AND NOT retried`

// dashboardStatsSQL computes the dashboard figures of monitors $1 over their
// finished runs queued since $2, the last day's since $3, in one index-only
// scan of runs_monitor_time_cover_idx (migration 002) joined to the monitors
// for their Apdex T: exact, and what MonitorStats reads until the running
// totals (totals.go) reach into the window.
const dashboardStatsSQL = `
SELECT r.monitor_id, count(*) FILTER (WHERE r.queued_at >= $3), count(*) FILTER (WHERE r.queued_at >= $3 AND r.status = 'passed'),
    count(*), count(*) FILTER (WHERE r.status = 'passed'),
    count(*) FILTER (WHERE r.status = 'passed' AND r.duration_ms <= m.apdex_t_ms),
    count(*) FILTER (WHERE r.status = 'passed' AND r.duration_ms > m.apdex_t_ms AND r.duration_ms <= 4 * m.apdex_t_ms),
    min(m.slo_target),
    percentile_disc(0.95) WITHIN GROUP (ORDER BY COALESCE(r.duration_ms, 0)) FILTER (WHERE r.queued_at >= $3)::float8,
    percentile_disc(0.95) WITHIN GROUP (ORDER BY COALESCE(r.duration_ms, 0))::float8
FROM runs r JOIN monitors m ON m.id = r.monitor_id
WHERE r.monitor_id = ANY($1) AND r.queued_at >= $2 AND r.` + finishedSQL + `
GROUP BY r.monitor_id`

// MonitorStats computes the dashboard figures of many monitors in one round
// trip after reading how far the running totals reach: the counts and
// histograms of the window (from the totals and the raw runs at its ends, or
// dashboardStatsSQL over raw runs while the totals do not cover a whole hour
// of it), the newest runs of each, and the latest run per collection ×
// location (an index probe each). Both windows are by queue time. Monitors
// without runs get zero figures.
func (s *Store) MonitorStats(ctx context.Context, ids []collection.MonitorID, now time.Time, window time.Duration, recent int) (map[collection.MonitorID]*MonitorRunStats, error) {
	out := make(map[collection.MonitorID]*MonitorRunStats, len(ids))
	keys := make([]int64, len(ids))
	for i, id := range ids {
		keys[i] = int64(id)
		out[id] = &MonitorRunStats{}
	}
	if len(ids) == 0 {
		return out, nil
	}
	fail := func(err error) (map[collection.MonitorID]*MonitorRunStats, error) {
		return nil, fmt.Errorf("computing monitor stats: %w", translate(err))
	}
	since, day := now.Add(-window), now.Add(-24*time.Hour)
	started, done, ok, err := totalsProgress(ctx, s.pool)
	if err != nil {
		return fail(err)
	}
	week := windowPlan{from: since, first: ceilHour(since)}
	if ok && !week.first.Before(started) && week.first.Before(done) && !done.After(now) {
		daily := windowPlan{from: day, first: ceilHour(day)}
		if err := s.monitorStatsFromTotals(ctx, out, keys, week, daily, done, daily.first.Before(done), recent); err != nil {
			return fail(err)
		}
		return out, nil
	}
	b := &pgx.Batch{}
	b.Queue(dashboardStatsSQL, keys, since, day)
	queueRecentAndLatest(b, keys, since, recent)
	br := s.pool.SendBatch(ctx, b)
	defer func() { _ = br.Close() }()
	rows, err := br.Query()
	if err != nil {
		return fail(err)
	}
	for rows.Next() {
		var (
			id                             collection.MonitorID
			n24, up24, n7, up7, sat7, tol7 int64
			slo                            float64
		)
		o := &MonitorRunStats{}
		if err := rows.Scan(&id, &n24, &up24, &n7, &up7, &sat7, &tol7, &slo, &o.P95Ms24h, &o.P95Ms7d); err != nil {
			rows.Close()
			return fail(err)
		}
		o.Runs24h, o.Uptime24h, o.Uptime7d = int(n24), share(up24, n24), share(up7, n7)
		o.Apdex7d, o.ErrorBudgetLeft7d = apdexAndBudget(n7, up7, sat7, tol7, slo)
		out[id] = o
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if err := scanRecentAndLatest(br, out); err != nil {
		return fail(err)
	}
	return out, nil
}

// queueRecentAndLatest queues the sparkline's newest runs of each monitor
// and the latest run of each current collection × location.
func queueRecentAndLatest(b *pgx.Batch, keys []int64, since time.Time, recent int) {
	// One row of arrays per monitor: 100 cards are 100 rows to scan, not 5,000.
	b.Queue(`
SELECT m.id, r.status, r.ms, r.queued, r.finished
FROM unnest($1::bigint[]) AS m(id)
CROSS JOIN LATERAL (
    SELECT array_agg(status ORDER BY queued_at DESC, id DESC) AS status,
        array_agg(COALESCE(duration_ms, 0) ORDER BY queued_at DESC, id DESC) AS ms,
        array_agg(queued_at ORDER BY queued_at DESC, id DESC) AS queued,
        array_agg(finished_at ORDER BY queued_at DESC, id DESC) AS finished
    FROM (SELECT id, status, duration_ms, queued_at, finished_at FROM runs
          WHERE monitor_id = m.id AND queued_at >= $2 AND `+finishedSQL+`
          ORDER BY queued_at DESC, id DESC LIMIT $3) x
) r
WHERE r.status IS NOT NULL`, keys, since, recent)
	b.Queue(`
SELECT m.id, mc.collection_id, l.location, r.status
FROM monitors m
JOIN monitor_collections mc ON mc.monitor_id = m.id
CROSS JOIN LATERAL unnest(m.locations) AS l(location)
CROSS JOIN LATERAL (
    SELECT status FROM runs
    WHERE monitor_id = m.id AND collection_id = mc.collection_id AND location = l.location
        AND queued_at >= $2 AND `+finishedSQL+`
    ORDER BY queued_at DESC, id DESC LIMIT 1
) r
WHERE m.id = ANY($1)`, keys, since)
}

// scanRecentAndLatest reads what queueRecentAndLatest queued into out.
func scanRecentAndLatest(br pgx.BatchResults, out map[collection.MonitorID]*MonitorRunStats) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	for rows.Next() {
		var (
			id       collection.MonitorID
			status   []collection.RunStatus
			ms       []int64
			queued   []time.Time
			finished []*time.Time
		)
		if err := rows.Scan(&id, &status, &ms, &queued, &finished); err != nil {
			rows.Close()
			return err
		}
		recent := make([]collection.Run, len(status))
		for i := range recent {
			recent[i] = collection.Run{Status: status[i], Duration: time.Duration(ms[i]) * time.Millisecond, QueuedAt: queued[i], FinishedAt: finished[i]}
		}
		out[id].Recent = recent
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if rows, err = br.Query(); err != nil {
		return err
	}
	for rows.Next() {
		var (
			id  collection.MonitorID
			cid collection.CollectionID
			r   collection.Run
		)
		if err := rows.Scan(&id, &cid, &r.Location, &r.Status); err != nil {
			rows.Close()
			return err
		}
		r.CollectionID, r.MonitorID = &cid, &id
		out[id].Latest = append(out[id].Latest, r)
	}
	return rows.Err()
}
