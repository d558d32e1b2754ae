package faulttest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/migrations"
)

// cluster is a throwaway Postgres cluster of its own (initdb into a temp
// directory, listening on 127.0.0.1 on a free port), so a scenario can
// restart, crash or cut it without touching any other test's database.
type cluster struct {
	t    *testing.T
	bin  string // the PostgreSQL bin directory
	dir  string
	data string
	port int
}

// pgBinDir finds initdb and pg_ctl: the Debian layout, else pg_config.
func pgBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	if len(dirs) > 0 {
		return dirs[len(dirs)-1], nil
	}
	out, err := exec.Command("pg_config", "--bindir").Output()
	if err != nil {
		return "", fmt.Errorf("no PostgreSQL server binaries (apt-get install postgresql-15): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// asPostgres runs a server binary; initdb and postgres refuse to run as root,
// so as root it runs as the postgres user.
func (c *cluster) asPostgres(name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

// run runs a server binary to completion. Its output goes to a file, not a
// pipe: `pg_ctl start` leaves the postmaster holding its stdout, so reading a
// pipe to EOF would wait for the server to exit.
func (c *cluster) run(name string, args ...string) {
	c.t.Helper()
	out, err := os.CreateTemp("", "catena-pg-out-")
	if err != nil {
		c.t.Fatal(err)
	}
	defer func() { _ = out.Close(); _ = os.Remove(out.Name()) }()
	cmd := c.asPostgres(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		text, _ := os.ReadFile(out.Name())
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		c.t.Fatalf("%s %s: %v\n%s\nserver log:\n%s", name, strings.Join(args, " "), err, text, lastLines(string(log), 30))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// newCluster creates and starts a cluster, stopped and deleted at cleanup.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	bin, err := pgBinDir()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "catena-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, bin: bin, dir: dir, data: filepath.Join(dir, "data"), port: freePort(t)}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "postgres:", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown %s: %v %s", dir, err, out)
		}
	}
	t.Cleanup(func() {
		_ = c.asPostgres("pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop").Run()
		_ = os.RemoveAll(dir)
	})
	c.run("initdb", "-D", c.data, "-U", "postgres", "-A", "trust", "-N", "--no-instructions")
	c.start()
	return c
}

// start starts the server and waits until it accepts connections.
func (c *cluster) start() {
	c.t.Helper()
	// fsync=off: the scenarios crash Postgres, not the machine, and recovery
	// replays the WAL either way.
	opts := fmt.Sprintf("-k %s -h 127.0.0.1 -p %d -c fsync=off -c max_connections=300 -c log_min_messages=warning", c.dir, c.port)
	c.run("pg_ctl", "-D", c.data, "-l", filepath.Join(c.dir, "server.log"), "-o", opts, "-w", "-t", "30", "start")
}

// restart is `pg_ctl restart -m mode` (fast: disconnects clients, checkpoints).
func (c *cluster) restart(mode string) {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.data, "-m", mode, "-w", "-t", "30", "restart")
}

// crash is `pg_ctl stop -m immediate`: no checkpoint, WAL recovery at next start.
func (c *cluster) crash() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
}

// url is the connection URL of the cluster's postgres database (or through
// the proxy address addr when given).
func (c *cluster) url(addr string) string {
	if addr == "" {
		addr = fmt.Sprintf("127.0.0.1:%d", c.port)
	}
	return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable&connect_timeout=5", addr)
}

// migrate applies Catena's migrations and returns a pool for the test itself.
func (c *cluster) migrate() *pgxpool.Pool {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := pgxpool.New(context.Background(), c.url(""))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(pool.Close)
	if err := migrations.Up(ctx, pool); err != nil {
		c.t.Fatal(err)
	}
	return pool
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}
