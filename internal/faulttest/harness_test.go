package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// Compressed runner timings (docs/reliability.md, shortened further so each
// scenario stays well under 40 s).
const (
	leaseTTL      = 3 * time.Second
	heartbeat     = time.Second
	sweepInterval = 500 * time.Millisecond
	// auditGrace is how far past its lease a running run may be when audited.
	auditGrace = 2 * sweepInterval
	// steps is the collection's length; blockedStep (1-based) is where the
	// target holds the first attempt.
	steps       = 10
	blockedStep = 3
)

// catenaBin is the binary built once for this test binary by TestMain.
var catenaBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "catena-faulttest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttest:", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		fmt.Fprintln(os.Stderr, "faulttest: finding the module root with `go env GOMOD`:", err)
		return 1
	}
	catenaBin = filepath.Join(dir, "catena")
	build := exec.Command("go", "build", "-o", catenaBin, "./cmd/catena")
	build.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "faulttest: building catena: %v\n%s", err, out)
		return 1
	}
	code := m.Run()
	if code != 0 {
		return code
	}
	// The in-process parts (target and channel fakes, the proxy, pools,
	// process reapers) must all have stopped once every test cleaned up.
	if err := goleak.Find(); err != nil {
		fmt.Fprintln(os.Stderr, "faulttest: goroutines left running after the tests:", err)
		return 1
	}
	return 0
}

// env is one scenario's world: a fresh database, a target and the runners.
type env struct {
	t      *testing.T
	pool   *pgxpool.Pool
	dbURL  string
	key    string
	store  *store.Store
	queue  *queue.Client
	target *target
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool, dbURL := dbtest.NewDBURL(t)
	st := store.New(pool, nil)
	q, err := queue.New(st, nil, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, pool: pool, dbURL: dbURL, key: secret.NewKey(), store: st, queue: q, target: newTarget(t)}
}

// target is the API the collection calls: /step/N answers 200, except that
// requests for blockedStep wait until release (or until the client goes).
type target struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits map[int]int
	gate chan struct{} // closed by release
	once sync.Once
}

func newTarget(t *testing.T) *target {
	tg := &target{hits: map[int]int{}, gate: make(chan struct{})}
	tg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/step/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		tg.mu.Lock()
		tg.hits[n]++
		tg.mu.Unlock()
		if n == blockedStep {
			select {
			case <-tg.gate:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"step": %d}`, n)
	}))
	t.Cleanup(func() {
		tg.release()
		tg.srv.CloseClientConnections()
		tg.srv.Close()
	})
	return tg
}

func (tg *target) release() { tg.once.Do(func() { close(tg.gate) }) }

func (tg *target) hitsOf(n int) int {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.hits[n]
}

// enqueue queues a run of a 10-step collection against the target.
func (e *env) enqueue() collection.RunID {
	e.t.Helper()
	c := collection.Collection{Name: "fault chain"}
	for i := 1; i <= steps; i++ {
		c.Steps = append(c.Steps, collection.Step{
			Name: fmt.Sprintf("step%d", i), Method: "GET", URL: fmt.Sprintf("%s/step/%d", e.target.srv.URL, i),
			Timeout: collection.Duration(20 * time.Second),
		})
	}
	return e.enqueueCollection(c)
}

// enqueueCollection queues a manual run of c.
func (e *env) enqueueCollection(c collection.Collection) collection.RunID {
	e.t.Helper()
	ctx := context.Background()
	var run collection.Run
	err := store.WithTx(ctx, e.pool, func(tx pgx.Tx) error {
		var err error
		run, _, err = e.queue.EnqueueRun(ctx, tx, store.InsertRunParams{Location: collection.DefaultLocation, Trigger: collection.TriggerManual, Snapshot: c})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return run.ID
}

// proc is one `catena runner` process.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, set before done closes
}

// startRunner starts `catena runner` with the compressed timings; it is
// killed at cleanup if it is still there, and its log shown if the test failed.
func (e *env) startRunner(name string, extra ...string) *proc {
	e.t.Helper()
	return e.startProc(name, append([]string{"runner",
		"--lease-ttl", leaseTTL.String(), "--heartbeat", heartbeat.String(), "--sweep-interval", sweepInterval.String()}, extra...)...)
}

// startProc starts `catena args...` as startRunner does.
func (e *env) startProc(name string, args ...string) *proc {
	e.t.Helper()
	return startCatena(e.t, name, []string{
		"DATABASE_URL=" + e.dbURL,
		"CATENA_SECRET_KEY=" + e.key,
		"CATENA_LOG_FORMAT=json",
		"CATENA_LOG_LEVEL=info",
		"CATENA_METRICS_ADDR=127.0.0.1:0", // several runners at once: any free port
	}, args...)
}

// startCatena starts the built binary with PATH, HOME and environ as its
// whole environment. It is killed at cleanup if it is still there, and its
// log shown if the test failed.
func startCatena(tb testing.TB, name string, environ []string, args ...string) *proc {
	tb.Helper()
	cmd := exec.Command(catenaBin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, environ...)
	dieWithParent(cmd)
	p := &proc{name: name, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGCONT) // a frozen process cannot die until it runs
			_ = cmd.Process.Kill()
			<-p.done
		}
		if tb.Failed() {
			tb.Logf("log of catena %s (pid %d):\n%s", p.name, cmd.Process.Pid, p.out.String())
		}
	})
	return p
}

func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(p.cmd.Process.Pid, sig); err != nil {
		t.Fatalf("sending %s to runner %s: %v", sig, p.name, err)
	}
}

// kill9 kills the process and waits until it is gone.
func (p *proc) kill9(t *testing.T) {
	t.Helper()
	p.signal(t, syscall.SIGKILL)
	<-p.done
}

// logged reports whether the process logged a JSON line whose msg contains s.
func (p *proc) logged(s string) bool {
	for _, line := range strings.Split(p.out.String(), "\n") {
		var rec struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && strings.Contains(rec.Msg, s) {
			return true
		}
	}
	return false
}

// waitHTTP polls url until it answers 200, failing if p exits first or a
// minute passes.
func waitHTTP(b testing.TB, url string, p *proc) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		last := get(url, 2*time.Second)
		if last.err == nil && last.status == http.StatusOK {
			return
		}
		select {
		case <-p.done:
			b.Fatalf("%s exited before answering %s: %v\n%s", p.name, url, p.err, p.out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s did not answer %s with 200 within a minute: %s", p.name, url, last)
		}
	}
}

// sealingStore is a store on pool that seals secrets with key (the
// CATENA_SECRET_KEY the processes get), for tests that save secrets.
func sealingStore(tb testing.TB, pool *pgxpool.Pool, key string) *store.Store {
	tb.Helper()
	raw, err := secret.ParseKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	box, err := secret.New(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return store.New(pool, box)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor polls cond every 50 ms until it holds or the time runs out.
func waitFor(t *testing.T, within time.Duration, what string, cond func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(within)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; last seen: %s", within, what, state)
		}
		<-tick.C
	}
}

// waitClosed waits for ch with a deadline.
func waitClosed(t *testing.T, ch <-chan struct{}, within time.Duration, what string) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case <-ch:
		return time.Since(start)
	case <-time.After(within):
		t.Fatalf("waited %s for %s", within, what)
		return 0
	}
}

// runState is the run row as the tests read it.
type runState struct {
	Status  string
	Error   string
	Attempt int
	Leased  bool // lease_expires_at > now()
}

func (s runState) String() string {
	return fmt.Sprintf("%s (%q) attempt %d leased=%v", s.Status, s.Error, s.Attempt, s.Leased)
}

func (e *env) run(id collection.RunID) runState {
	e.t.Helper()
	var s runState
	err := e.pool.QueryRow(context.Background(), `
		SELECT status, error, attempt, coalesce(lease_expires_at > now(), false) FROM runs WHERE id = $1`, id).
		Scan(&s.Status, &s.Error, &s.Attempt, &s.Leased)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// jobState is the River state of the run's job.
func (e *env) jobState(id collection.RunID) string {
	e.t.Helper()
	var s string
	err := e.pool.QueryRow(context.Background(), `
		SELECT state FROM river_job WHERE kind = 'catena_run' AND args @> jsonb_build_object('run_id', $1::bigint)`, id).Scan(&s)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// jobAttempts returns the attempt and max_attempts of the run's job.
func (e *env) jobAttempts(id collection.RunID) (attempt, maxAttempts int) {
	e.t.Helper()
	err := e.pool.QueryRow(context.Background(), `
		SELECT attempt, max_attempts FROM river_job WHERE kind = 'catena_run' AND args @> jsonb_build_object('run_id', $1::bigint)`, id).Scan(&attempt, &maxAttempts)
	if err != nil {
		e.t.Fatal(err)
	}
	return attempt, maxAttempts
}

// steps returns "position:status" for the step rows of one attempt.
func (e *env) steps(id collection.RunID, attempt int) []string {
	e.t.Helper()
	rows, err := e.pool.Query(context.Background(), `
		SELECT position || ':' || status FROM step_results WHERE run_id = $1 AND attempt = $2 ORDER BY position`, id, attempt)
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// stepsSnapshot returns every step row of the run (attempt, position, status,
// started_at, total_us), to compare before and after a zombie wakes.
func (e *env) stepsSnapshot(id collection.RunID) string {
	e.t.Helper()
	var s string
	err := e.pool.QueryRow(context.Background(), `
		SELECT coalesce(string_agg(format('%s/%s/%s/%s/%s', attempt, position, status, started_at, total_us), ' '
		    ORDER BY attempt, position), '') FROM step_results WHERE run_id = $1`, id).Scan(&s)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// waitBlocked waits until the attempt is inside the blocked step and has
// recorded the steps before it (the runner writes finished steps each heartbeat).
func (e *env) waitBlocked(id collection.RunID, attempt int) {
	e.t.Helper()
	waitFor(e.t, 10*time.Second, fmt.Sprintf("attempt %d to reach step %d", attempt, blockedStep), func() (bool, string) {
		n := e.target.hitsOf(blockedStep)
		return n >= attempt, fmt.Sprintf("%d requests for step %d", n, blockedStep)
	})
	waitFor(e.t, 4*heartbeat, fmt.Sprintf("steps 1-2 of attempt %d to be recorded", attempt), func() (bool, string) {
		got := e.steps(id, attempt)
		return len(got) == blockedStep-1, fmt.Sprint(got)
	})
}

// audit fails the test on any invariant violation.
func (e *env) audit() {
	e.t.Helper()
	vs, err := store.AuditWithGrace(context.Background(), e.pool, auditGrace)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, v := range vs {
		e.t.Errorf("auditor: %s", v)
	}
}

// final reports whether the run reached a final state.
func final(s runState) bool {
	return s.Status != string(collection.RunQueued) && s.Status != string(collection.RunRunning)
}

var errNotExited = errors.New("not exited")

// exitCode returns the process's exit code once it has exited.
func (p *proc) exitCode() (int, error) {
	select {
	case <-p.done:
	default:
		return 0, errNotExited
	}
	if p.err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, p.err
}
