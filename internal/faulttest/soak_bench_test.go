package faulttest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/collection/schedulespec"
	"github.com/catena-monitor/catena/internal/config"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/demoapi"
	"github.com/catena-monitor/catena/internal/secret"
)

// soakSteps are the demo chain's steps a soak monitor runs: a login, a read
// and an order created, read back and deleted (so the demo API holds nothing).
var soakSteps = []string{"login", "me", "create_order", "get_order", "delete_order"}

// BenchmarkSoak is `make soak`: the built binary's `catena serve` (API,
// local scheduler and a runner at its default concurrency, in one process)
// and `catena demo-api`, both on loopback, with SOAK_MONITORS monitors (2,000)
// `every 1m`, each running a 5-step collection against the demo API, for
// SOAK_DURATION (10m) of slots, in a database of its own dropped after. It
// reports per slot and overall: runs and steps completed per minute, the lag
// from each slot (and from its jittered due time) to the run's started_at, in
// SQL; serve's CPU (utime+stime from /proc) and RSS peak (VmRSS sampled, and
// VmHWM); the demo API's CPU; the machine's load; the database's growth in
// total and for the run tables; and the verdict of `catena doctor`.
//
//	make soak   # or: go test -run '^$' -bench '^BenchmarkSoak$' -benchtime 1x -timeout 40m ./internal/faulttest/
func BenchmarkSoak(b *testing.B) {
	monitors := envInt(b, "SOAK_MONITORS", 2000)
	duration := 10 * time.Minute
	if s := os.Getenv("SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Minute || d%time.Minute != 0 {
			b.Fatalf("SOAK_DURATION=%q: want whole minutes, at least 1m", s)
		}
		duration = d
	}
	// jitter is serve's window in SchedulerConfig.Jitter's terms (zero: the
	// default); the soak passes CATENA_SCHEDULER_JITTER on to serve when set.
	var jitter time.Duration
	if s := os.Getenv("CATENA_SCHEDULER_JITTER"); s != "" {
		d, err := config.ParseJitter(s)
		if err != nil {
			b.Fatal(err)
		}
		jitter = d
	}
	for range b.N {
		soak(b, monitors, duration, jitter)
	}
}

func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

func soak(b *testing.B, monitors int, duration, jitter time.Duration) {
	b.StopTimer()
	ctx := context.Background()
	pool, dbURL := dbtest.NewDBURL(b)
	key := secret.NewKey()
	st := sealingStore(b, pool, key)

	apiAddr := fmt.Sprintf("127.0.0.1:%d", freePort(b))
	api := startCatena(b, "demo-api", nil, "demo-api", "--addr", apiAddr)
	waitHTTP(b, "http://"+apiAddr+"/", api)

	c, err := collection.Parse(demoapi.ChainCollection, "chain.yaml")
	if err != nil {
		b.Fatal(err)
	}
	keep := map[string]bool{}
	for _, s := range soakSteps {
		keep[s] = true
	}
	var steps []collection.Step
	for _, s := range c.Steps {
		if keep[s.Name] {
			steps = append(steps, s)
		}
	}
	c.Name, c.Steps = "soak chain", steps
	c.Variables["base"] = "http://" + apiAddr
	c.Variables["max_latency_ms"] = "2000"
	c.Secrets = map[string]string{"password": demoapi.Password}
	saved, err := st.CreateCollection(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO monitors (name, schedule, time_zone, enabled, locations)
		SELECT 'soak-' || g, 'every 1m', 'UTC', true, ARRAY[$2] FROM generate_series(1, $1) g`, monitors, collection.DefaultLocation); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO monitor_collections (monitor_id, collection_id) SELECT id, $1 FROM monitors`, saved.ID); err != nil {
		b.Fatal(err)
	}
	// The first slot is the next minute at least 20 s away, so serve is up
	// before it; each monitor is due at a slot plus its jitter, as Upsert sets
	// it (the scheduler's own function, with serve's window).
	first := time.Now().Add(20 * time.Second).Truncate(time.Minute).Add(time.Minute)
	end := first.Add(duration) // the slot after the last one measured
	sched, err := schedulespec.Parse("every 1m", "UTC")
	if err != nil {
		b.Fatal(err)
	}
	next := map[collection.MonitorID]*time.Time{}
	var ids []int64
	var jitters []float64
	rows, err := pool.Query(ctx, `SELECT id FROM monitors`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id collection.MonitorID
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		j := schedulespec.Jitter(id, sched, jitter)
		at := first.Add(j)
		next[id] = &at
		ids, jitters = append(ids, int64(id)), append(jitters, j.Seconds())
	}
	rows.Close()
	if err := st.SetNextRunAt(ctx, pool, next); err != nil {
		b.Fatal(err)
	}
	sizeBefore := dbSizes(b, pool)

	addr := fmt.Sprintf("127.0.0.1:%d", freePort(b))
	environ := []string{
		"DATABASE_URL=" + dbURL,
		"CATENA_SECRET_KEY=" + key,
		"CATENA_ADDR=" + addr,
		"CATENA_PUBLIC_URL=http://" + addr,
		"CATENA_ADMIN_EMAIL=soak@example.com",
		"CATENA_ADMIN_PASSWORD=soak-password-123",
		"CATENA_LOG_FORMAT=json",
		"CATENA_LOG_LEVEL=warn",
	}
	for _, name := range []string{"CATENA_RUNNER_CONCURRENCY", "CATENA_SCHEDULER_JITTER", "GOMAXPROCS", "GOGC", "GOMEMLIMIT"} {
		if v, ok := os.LookupEnv(name); ok {
			environ = append(environ, name+"="+v)
		}
	}
	serve := startCatena(b, "serve", environ, "serve")
	waitHTTP(b, "http://"+addr+"/readyz", serve)

	sampler := startSampler(serve.cmd.Process.Pid, api.cmd.Process.Pid)
	b.Logf("soak: %d monitors of %d steps every 1m, slots %s to %s (%s), serve pid %d, demo API pid %d",
		monitors, len(steps), first.Format(time.TimeOnly), end.Add(-time.Minute).Format(time.TimeOnly), duration,
		serve.cmd.Process.Pid, api.cmd.Process.Pid)

	sleepUntil(b, first, serve)
	b.StartTimer()
	atFirst := sampler.now()
	pgFirst := backendCPU(b, pool)
	// Park the monitors just before the slot after the window, so it never
	// fires; the last measured slot's runs finish after.
	sleepUntil(b, end.Add(-3*time.Second), serve)
	if _, err := pool.Exec(ctx, `UPDATE monitors SET next_run_at = NULL`); err != nil {
		b.Fatal(err)
	}
	sleepUntil(b, end, serve)
	atEnd := sampler.now()
	pgEnd := backendCPU(b, pool)
	b.StopTimer()
	drained := waitDrained(b, pool, 3*time.Minute)
	hwm := vmHWM(serve.cmd.Process.Pid)
	sampler.stop()
	if err := serve.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		b.Fatal(err)
	}
	select {
	case <-serve.done:
	case <-time.After(30 * time.Second):
		b.Errorf("serve did not stop within 30 s of SIGTERM")
	}
	sizeAfter := dbSizes(b, pool)
	verdict, doctorCode := doctor(b, dbURL)

	r := soakReport{
		monitors: monitors, steps: len(steps), duration: duration, jitter: jitter,
		first: first, end: end, drained: drained,
		serve: atEnd.procs[0].minus(atFirst.procs[0]), api: atEnd.procs[1].minus(atFirst.procs[1]),
		machineBusy: atEnd.machine.busyFraction(atFirst.machine),
		loadStart:   atFirst.load, loadEnd: atEnd.load,
		rssPeakKiB: sampler.peakRSS(), hwmKiB: hwm,
		sizeBefore: sizeBefore, sizeAfter: sizeAfter,
		doctor: verdict, doctorCode: doctorCode,
		postgres: pgEnd.minus(pgFirst),
		logWarn:  countLevel(serve.out.String(), "WARN"), logError: countLevel(serve.out.String(), "ERROR"),
		logLines: problemLines(serve.out.String(), 5),
	}
	r.query(b, pool, ids, jitters)
	r.log(b)
}

// sleepUntil waits for t, failing if p exits meanwhile.
func sleepUntil(b *testing.B, t time.Time, p *proc) {
	b.Helper()
	select {
	case <-p.done:
		b.Fatalf("%s exited during the soak: %v\n%s", p.name, p.err, lastLines(p.out.String(), 40))
	case <-time.After(time.Until(t)):
	}
}

// waitDrained waits until no run is queued or running, and returns how long
// after the window's end that was.
func waitDrained(b *testing.B, pool *pgxpool.Pool, within time.Duration) time.Duration {
	b.Helper()
	start := time.Now()
	for {
		var open int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM runs WHERE status IN ('queued', 'running')`).Scan(&open); err != nil {
			b.Fatal(err)
		}
		if open == 0 {
			return time.Since(start)
		}
		if time.Since(start) > within {
			b.Errorf("%d runs still queued or running %s after the window", open, within)
			return time.Since(start)
		}
		time.Sleep(250 * time.Millisecond) // polling the database for the runner's work
	}
}

// doctor runs `catena doctor` over the soak's runs and returns its output and
// exit code.
func doctor(b *testing.B, dbURL string) (string, int) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, catenaBin, "doctor", "--since", "2h")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "DATABASE_URL=" + dbURL}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return strings.TrimSpace(string(out)), 0
	case errors.As(err, &ee):
		return strings.TrimSpace(string(out)), ee.ExitCode()
	default:
		b.Fatalf("catena doctor: %v\n%s", err, out)
		return "", -1
	}
}

// backendCPU sums the CPU time so far of the Postgres backends serving the
// soak's database (the pool's connections live through the window; a
// backend that ended before the second reading is left out of both).
type backendTimes map[int]time.Duration

func backendCPU(b *testing.B, pool *pgxpool.Pool) backendTimes {
	b.Helper()
	rows, err := pool.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	out := backendTimes{}
	for _, pid := range pids {
		out[int(pid)] = readProcStat(int(pid)).cpu
	}
	return out
}

// minus is the CPU the backends in t used since before: those that were
// already there count from then, new ones from their start.
func (t backendTimes) minus(before backendTimes) procStat {
	var sum time.Duration
	for pid, cpu := range t {
		sum += cpu - before[pid]
	}
	return procStat{cpu: sum}
}

// problemLines returns up to n WARN or ERROR lines of a JSON log.
func problemLines(log string, n int) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if len(out) < n && (strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`)) {
			out = append(out, line)
		}
	}
	return out
}

// countLevel counts JSON log lines at level.
func countLevel(log, level string) int {
	return strings.Count(log, `"level":"`+level+`"`)
}

// dbSize is the database's size and its run tables' (with indexes and TOAST).
type dbSize struct {
	total, runs, steps, jobs int64
}

func dbSizes(b *testing.B, pool *pgxpool.Pool) dbSize {
	b.Helper()
	var s dbSize
	if err := pool.QueryRow(context.Background(), `SELECT pg_database_size(current_database()),
		pg_total_relation_size('runs'), pg_total_relation_size('step_results'), pg_total_relation_size('river_job')`).
		Scan(&s.total, &s.runs, &s.steps, &s.jobs); err != nil {
		b.Fatal(err)
	}
	return s
}

// procStat is a process's CPU time so far.
type procStat struct {
	cpu time.Duration // utime + stime
}

func (p procStat) minus(q procStat) procStat { return procStat{cpu: p.cpu - q.cpu} }

// clockTick is USER_HZ, the unit of /proc/PID/stat's times (100 on Linux).
const clockTick = 10 * time.Millisecond

func readProcStat(pid int) procStat {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}
	}
	// Fields after the command name (which may hold spaces) start at state.
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return procStat{}
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return procStat{cpu: time.Duration(utime+stime) * clockTick}
}

// statusKiB reads one "Name: N kB" field of /proc/PID/status.
func statusKiB(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func vmHWM(pid int) int64 { return statusKiB(pid, "VmHWM") }

// machineStat is /proc/stat's first line: all CPUs' busy and total ticks.
type machineStat struct{ busy, total int64 }

func readMachineStat() machineStat {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineStat{}
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	var m machineStat
	for i, f := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		m.total += n
		if i != 3 && i != 4 { // idle and iowait
			m.busy += n
		}
	}
	return m
}

func (m machineStat) busyFraction(before machineStat) float64 {
	if m.total == before.total {
		return 0
	}
	return float64(m.busy-before.busy) / float64(m.total-before.total)
}

func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(raw))[:3], " ")
}

// snapshot is the processes' and the machine's counters at one instant.
type snapshot struct {
	procs   []procStat
	machine machineStat
	load    string
}

// sampler reads the first process's VmRSS every 500 ms, keeping the peak.
type sampler struct {
	pids []int
	quit chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	peak int64
}

func startSampler(pids ...int) *sampler {
	s := &sampler{pids: pids, quit: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			rss := statusKiB(pids[0], "VmRSS")
			s.mu.Lock()
			s.peak = max(s.peak, rss)
			s.mu.Unlock()
			select {
			case <-s.quit:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *sampler) now() snapshot {
	snap := snapshot{machine: readMachineStat(), load: loadAvg()}
	for _, pid := range s.pids {
		snap.procs = append(snap.procs, readProcStat(pid))
	}
	return snap
}

func (s *sampler) stop() {
	close(s.quit)
	s.wg.Wait()
}

func (s *sampler) peakRSS() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// soakSlot is one slot's figures.
type soakSlot struct {
	slot                        time.Time
	runs, passed, failed, other int
	missed                      int
	steps                       int
	lagP50, lagP99, lagMax      float64 // slot to started_at, seconds
	dueP99                      float64 // jittered due time to started_at
	lastFinish                  float64 // slot to the last run's finished_at
}

type soakReport struct {
	monitors, steps       int
	duration, jitter      time.Duration
	first, end            time.Time
	drained               time.Duration
	serve, api            procStat
	machineBusy           float64
	loadStart, loadEnd    string
	rssPeakKiB, hwmKiB    int64
	sizeBefore, sizeAfter dbSize
	doctor                string
	doctorCode            int
	logWarn, logError     int
	logLines              []string
	postgres              procStat

	slots                               []soakSlot
	runsDone, stepsDone                 int
	lagP50, lagP99, lagMax              float64
	dueP50, dueP99                      float64
	enqueueP99, waitP99                 float64
	runDurP50, runDurP99                float64
	missedWhy, failedWhy                string
	runsInWindow, finishedInWindowSteps int
}

// query reads the soak's figures from the runs, in SQL. ids and jitters give
// each monitor's jitter (seconds), to tell the scheduler's deliberate spread
// from lag.
func (r *soakReport) query(b *testing.B, pool *pgxpool.Pool, ids []int64, jitters []float64) {
	b.Helper()
	ctx := context.Background()
	const base = `WITH j AS (SELECT * FROM unnest($3::bigint[], $4::float8[]) AS j(monitor_id, jitter)),
		r AS (SELECT runs.*, j.jitter,
				extract(epoch FROM started_at - scheduled_for) AS lag,
				extract(epoch FROM started_at - scheduled_for) - j.jitter AS due_lag,
				extract(epoch FROM queued_at - scheduled_for) - j.jitter AS enqueue_lag,
				extract(epoch FROM started_at - queued_at) AS wait,
				extract(epoch FROM finished_at - scheduled_for) AS finish
			FROM runs JOIN j USING (monitor_id)
			WHERE scheduled_for >= $1 AND scheduled_for < $2)`
	rows, err := pool.Query(ctx, base+`
		SELECT scheduled_for, count(*) FILTER (WHERE status <> 'missed'),
			count(*) FILTER (WHERE status = 'passed'), count(*) FILTER (WHERE status = 'failed'),
			count(*) FILTER (WHERE status NOT IN ('passed', 'failed', 'missed')), count(*) FILTER (WHERE status = 'missed'),
			(SELECT count(*) FROM step_results s JOIN runs x ON x.id = s.run_id
				WHERE x.scheduled_for = r.scheduled_for AND s.status <> 'skipped'),
			coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY lag), 0),
			coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY lag), 0), coalesce(max(lag), 0),
			coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY due_lag), 0), coalesce(max(finish), 0)
		FROM r GROUP BY scheduled_for ORDER BY scheduled_for`, r.first, r.end, ids, jitters)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var s soakSlot
		if err := rows.Scan(&s.slot, &s.runs, &s.passed, &s.failed, &s.other, &s.missed, &s.steps,
			&s.lagP50, &s.lagP99, &s.lagMax, &s.dueP99, &s.lastFinish); err != nil {
			b.Fatal(err)
		}
		r.slots = append(r.slots, s)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if err := pool.QueryRow(ctx, base+`
		SELECT count(*) FILTER (WHERE status NOT IN ('missed', 'queued', 'running')),
			coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY lag), 0),
			coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY lag), 0), coalesce(max(lag), 0),
			coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY due_lag), 0),
			coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY due_lag), 0),
			coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY enqueue_lag), 0),
			coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY wait), 0),
			coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms), 0),
			coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms), 0)
		FROM r`, r.first, r.end, ids, jitters).Scan(&r.runsDone, &r.lagP50, &r.lagP99, &r.lagMax,
		&r.dueP50, &r.dueP99, &r.enqueueP99, &r.waitP99, &r.runDurP50, &r.runDurP99); err != nil {
		b.Fatal(err)
	}
	// Throughput inside the window itself: runs and steps that finished in it.
	if err := pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM runs WHERE finished_at >= $1 AND finished_at < $2 AND status <> 'missed'),
			(SELECT count(*) FROM step_results s JOIN runs x ON x.id = s.run_id
				WHERE x.finished_at >= $1 AND x.finished_at < $2 AND s.status <> 'skipped')`,
		r.first, r.end).Scan(&r.runsInWindow, &r.finishedInWindowSteps); err != nil {
		b.Fatal(err)
	}
	r.missedWhy = groupCount(b, pool, `SELECT split_part(error, ':', 1), count(*) FROM runs
		WHERE status = 'missed' GROUP BY 1 ORDER BY 2 DESC`)
	r.failedWhy = groupCount(b, pool, `SELECT x.status || ' ' || s.name || ' ' || s.error_code, count(*)
		FROM runs x JOIN step_results s ON s.run_id = x.id
		WHERE x.status IN ('failed', 'errored') AND s.status IN ('failed', 'errored', 'interrupted')
		GROUP BY 1 ORDER BY 2 DESC LIMIT 5`)
	for _, s := range r.slots {
		r.stepsDone += s.steps
	}
}

func groupCount(b *testing.B, pool *pgxpool.Pool, sql string) string {
	b.Helper()
	rows, err := pool.Query(context.Background(), sql)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var what string
		var n int
		if err := rows.Scan(&what, &n); err != nil {
			b.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("%s: %d", what, n))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func (r *soakReport) log(b *testing.B) {
	minutes := r.duration.Minutes()
	window := r.end.Sub(r.first).Seconds()
	var lines []string
	add := func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) }
	add("| slot | runs | passed | failed | errored/other | missed | steps | lag p50 | lag p99 | lag max | due→start p99 | last finish |")
	add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	minSteps := -1
	for _, s := range r.slots {
		add("| %s | %d | %d | %d | %d | %d | %d | %.2f s | %.2f s | %.2f s | %.2f s | %.1f s |",
			s.slot.UTC().Format(time.TimeOnly), s.runs, s.passed, s.failed, s.other, s.missed, s.steps,
			s.lagP50, s.lagP99, s.lagMax, s.dueP99, s.lastFinish)
		if minSteps < 0 || s.steps < minSteps {
			minSteps = s.steps
		}
	}
	add("")
	add("| figure | value |")
	add("|---|---|")
	add("| monitors × steps, schedule | %d × %d, every 1m, jitter window %s |", r.monitors, r.steps, r.jitterWindow())
	add("| slots measured | %d (%s to %s UTC) |", len(r.slots), r.first.UTC().Format(time.TimeOnly), r.end.UTC().Format(time.TimeOnly))
	add("| runs completed per minute (mean over slots) | %.0f |", float64(r.runsDone)/minutes)
	add("| steps per minute (mean over slots; fewest in one slot) | %.0f; %d |", float64(r.stepsDone)/minutes, minSteps)
	add("| runs / steps finished inside the window, per minute | %.0f / %.0f |", float64(r.runsInWindow)/minutes, float64(r.finishedInWindowSteps)/minutes)
	add("| slot → started_at p50 / p99 / max | %.2f s / %.2f s / %.2f s |", r.lagP50, r.lagP99, r.lagMax)
	add("| due (slot + jitter) → started_at p50 / p99 | %.2f s / %.2f s |", r.dueP50, r.dueP99)
	add("| of which due → queued p99, queued → started p99 | %.2f s, %.2f s |", r.enqueueP99, r.waitP99)
	add("| run duration p50 / p99 | %.0f ms / %.0f ms |", r.runDurP50, r.runDurP99)
	add("| runs left after the window drained in | %.1f s |", r.drained.Seconds())
	add("| serve CPU (utime+stime) over the window | %.1f s = %.2f cores, %.0f µs per step |",
		r.serve.cpu.Seconds(), r.serve.cpu.Seconds()/window, float64(r.serve.cpu.Microseconds())/float64(max(r.finishedInWindowSteps, 1)))
	add("| Postgres backends of the soak's database, CPU over the window | %.1f s = %.2f cores, %.0f µs per step |",
		r.postgres.cpu.Seconds(), r.postgres.cpu.Seconds()/window, float64(r.postgres.cpu.Microseconds())/float64(max(r.finishedInWindowSteps, 1)))
	add("| demo API CPU over the window | %.1f s = %.2f cores |", r.api.cpu.Seconds(), r.api.cpu.Seconds()/window)
	add("| machine busy over the window (all processes, 2 cores) | %.0f %% |", 100*r.machineBusy)
	add("| load average at start / end | %s / %s |", r.loadStart, r.loadEnd)
	add("| serve RSS peak (VmRSS sampled every 0.5 s; VmHWM) | %.0f MiB; %.0f MiB |", float64(r.rssPeakKiB)/1024, float64(r.hwmKiB)/1024)
	runsAll := max(r.runsDone, 1)
	add("| database size before → after | %s → %s (+%s, %.1f KiB per run) |", mib(r.sizeBefore.total), mib(r.sizeAfter.total),
		mib(r.sizeAfter.total-r.sizeBefore.total), float64(r.sizeAfter.total-r.sizeBefore.total)/1024/float64(runsAll))
	add("| runs / step_results (with their assertions) / river_job growth | +%s / +%s / +%s |",
		mib(r.sizeAfter.runs-r.sizeBefore.runs), mib(r.sizeAfter.steps-r.sizeBefore.steps), mib(r.sizeAfter.jobs-r.sizeBefore.jobs))
	add("| missed slots by reason | %s |", r.missedWhy)
	add("| failed/errored runs by step and code (top 5) | %s |", r.failedWhy)
	add("| serve log lines at WARN / ERROR | %d / %d |", r.logWarn, r.logError)
	add("| `catena doctor --since 2h` | exit %d: %s |", r.doctorCode, strings.ReplaceAll(lastLines(r.doctor, 5), "\n", "; "))
	b.Logf("soak report:\n%s", strings.Join(lines, "\n"))
	for _, l := range r.logLines {
		b.Logf("serve logged: %s", l)
	}
	b.ReportMetric(float64(r.stepsDone)/minutes, "steps/min")
	b.ReportMetric(float64(r.runsDone)/minutes, "runs/min")
	b.ReportMetric(r.lagP99*1000, "p99_slot_lag_ms")
	b.ReportMetric(r.dueP99*1000, "p99_due_lag_ms")
	b.ReportMetric(float64(r.doctorCode), "doctor_exit")
	if r.doctorCode != 0 {
		b.Errorf("catena doctor found violations (exit %d):\n%s", r.doctorCode, r.doctor)
	}
}

// jitterWindow names the jitter in force: the window every 1m monitors get,
// and whether it is the default or CATENA_SCHEDULER_JITTER's.
func (r *soakReport) jitterWindow() string {
	sched, err := schedulespec.Parse("every 1m", "UTC")
	if err != nil {
		return "?"
	}
	w := schedulespec.JitterWindow(sched, r.jitter)
	switch {
	case r.jitter == 0:
		return fmt.Sprintf("%s (the default, a quarter of the interval)", w)
	case r.jitter < 0:
		return "none (CATENA_SCHEDULER_JITTER=0)"
	}
	return fmt.Sprintf("%s (CATENA_SCHEDULER_JITTER=%s)", w, r.jitter)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
