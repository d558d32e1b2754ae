// Package dbtest gives each test an isolated, migrated Postgres database: a
// transaction rolled back at cleanup (TestTx), or a fresh database cloned from a
// migrated template (NewDB) for tests that commit, run River, or LISTEN.
//
// The server comes from TEST_DATABASE_URL (or DATABASE_URL), defaulting to
// postgres://postgres@127.0.0.1:5432/postgres; `make test` makes sure one answers.
// The template's name carries a hash of the migrations, so a changed migration
// gets a new template and no test sees a stale schema.
//
// Every database this package makes is named <prefix>test_…, <prefix>tmpl_…;
// the prefix is CATENA_TEST_DB_PREFIX (default "catena_"). `make go-test` gives
// each run a prefix of its own and drops that run's templates at the end
// (scripts/drop-test-dbs.sh), so parallel runs never share or remove each
// other's databases.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/catena-monitor/catena/migrations"
)

const defaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// DefaultPrefix starts the test databases' names when CATENA_TEST_DB_PREFIX is unset.
const DefaultPrefix = "catena_"

// Prefix is CATENA_TEST_DB_PREFIX, or DefaultPrefix. It must be a lower-case
// identifier part (a-z, 0-9, _) of at most 24 characters, so names stay
// within Postgres's 63.
func Prefix() (string, error) {
	p := os.Getenv("CATENA_TEST_DB_PREFIX")
	if p == "" {
		return DefaultPrefix, nil
	}
	if len(p) > 24 {
		return "", fmt.Errorf("CATENA_TEST_DB_PREFIX %q is %d characters; at most 24", p, len(p))
	}
	for _, r := range p {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return "", fmt.Errorf("CATENA_TEST_DB_PREFIX %q may hold only a-z, 0-9 and _", p)
		}
	}
	return p, nil
}

func mustPrefix(t testing.TB) string {
	t.Helper()
	p, err := Prefix()
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return p
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error

	sharedOnce sync.Once
	sharedPool *pgxpool.Pool
	sharedErr  error
)

// ServerURL returns the URL of the test server's admin database.
func ServerURL() string {
	for _, k := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return defaultURL
}

// URLFor returns the server URL pointed at database name.
func URLFor(name string) string {
	u, err := url.Parse(ServerURL())
	if err != nil {
		panic(fmt.Sprintf("dbtest: bad TEST_DATABASE_URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

// NewDB creates a fresh migrated database for this test, returns a pool on it and
// drops it at cleanup. Use it for tests that commit.
func NewDB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, _ := NewDBURL(t)
	return pool
}

// NewDBURL is NewDB that also returns the database URL, for tests that start
// processes or open their own connections.
func NewDBURL(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	ctx := context.Background()
	tmpl := template(t)
	name := mustPrefix(t) + "test_" + randomSuffix()
	admin := adminConn(t)
	defer admin.Close(ctx)
	// CREATE DATABASE … TEMPLATE fails if anyone is connected to the template;
	// only this package connects to it, briefly, under the template lock.
	if err := withLock(ctx, admin, func() error {
		_, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{tmpl}.Sanitize()))
		return err
	}); err != nil {
		t.Fatalf("dbtest: creating database from template: %v", err)
	}
	dbURL := URLFor(name)
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatalf("dbtest: connecting to %s: %v", name, err)
	}
	t.Cleanup(func() {
		pool.Close()
		c := adminConn(t)
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{name}.Sanitize())); err != nil {
			t.Logf("dbtest: dropping %s: %v", name, err)
		}
	})
	return pool, dbURL
}

// TestTx returns a transaction on a shared migrated database, rolled back at
// cleanup: the fastest isolation, for tests that neither commit nor need a
// second connection to see their writes.
func TestTx(t testing.TB) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	sharedOnce.Do(func() {
		tmpl, err := ensureTemplate()
		if err != nil {
			sharedErr = err
			return
		}
		name := tmpl + "_shared"
		admin, err := pgx.Connect(ctx, ServerURL())
		if err != nil {
			sharedErr = err
			return
		}
		defer admin.Close(ctx)
		err = withLock(ctx, admin, func() error {
			var exists bool
			if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
				return err
			}
			if exists {
				return nil
			}
			_, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{tmpl}.Sanitize()))
			return err
		})
		if err != nil {
			sharedErr = fmt.Errorf("creating shared database: %w", err)
			return
		}
		sharedPool, sharedErr = pgxpool.New(ctx, URLFor(name))
	})
	if sharedErr != nil {
		t.Fatalf("dbtest: %v", sharedErr)
	}
	tx, err := sharedPool.Begin(ctx)
	if err != nil {
		t.Fatalf("dbtest: beginning test transaction: %v", err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

func template(t testing.TB) string {
	t.Helper()
	name, err := ensureTemplate()
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return name
}

// ensureTemplate creates (once per server and migration set) a migrated template.
func ensureTemplate() (string, error) {
	templateOnce.Do(func() {
		prefix, err := Prefix()
		if err != nil {
			templateErr = err
			return
		}
		templateName = prefix + "tmpl_" + migrationsHash()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		admin, err := pgx.Connect(ctx, ServerURL())
		if err != nil {
			templateErr = fmt.Errorf("connecting to the test server %s (is Postgres running? `make test` starts it): %w", redacted(ServerURL()), err)
			return
		}
		defer admin.Close(ctx)
		templateErr = withLock(ctx, admin, func() error {
			var exists bool
			if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", templateName).Scan(&exists); err != nil {
				return err
			}
			if exists {
				return nil
			}
			building := templateName + "_build"
			_, _ = admin.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{building}.Sanitize()))
			if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s", pgx.Identifier{building}.Sanitize())); err != nil {
				return fmt.Errorf("creating template: %w", err)
			}
			pool, err := pgxpool.New(ctx, URLFor(building))
			if err != nil {
				return err
			}
			err = migrations.Up(ctx, pool)
			pool.Close()
			if err != nil {
				return fmt.Errorf("migrating template: %w", err)
			}
			if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", pgx.Identifier{building}.Sanitize(), pgx.Identifier{templateName}.Sanitize())); err != nil {
				return err
			}
			_, err = admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s WITH IS_TEMPLATE true", pgx.Identifier{templateName}.Sanitize()))
			return err
		})
	})
	return templateName, templateErr
}

// withLock serialises template work across test processes (go test runs
// packages in parallel) with a session advisory lock.
func withLock(ctx context.Context, conn *pgx.Conn, fn func() error) error {
	const lockKey = 7_361_000_001
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return fmt.Errorf("taking template lock: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey) }()
	return fn()
}

func adminConn(t testing.TB) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), ServerURL())
	if err != nil {
		t.Fatalf("dbtest: connecting to %s: %v", redacted(ServerURL()), err)
	}
	return c
}

// migrationsHash fingerprints Catena's and River's migrations.
func migrationsHash() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(migrations.FS(), path)
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	m, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err == nil {
		for _, v := range m.AllVersions() {
			fmt.Fprintf(h, "river:%d:%s", v.Version, v.SQLUp)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func redacted(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return strings.SplitN(s, "@", 2)[0]
}
