package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/store"
)

// pool_* parameters configure the pool; EnsureDatabase and Open take them as
// such instead of sending them to the server, which refuses them.
func TestEnsureDatabaseAndOpenAcceptPoolParams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "catena_test_ensure_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dbtest.ServerURL())
		if err != nil {
			t.Logf("dropping %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{name}.Sanitize()))
	})
	url := dbtest.URLFor(name) + "&pool_max_conns=3&pool_min_conns=1&pool_max_conn_idle_time=1m"
	created, err := store.EnsureDatabase(ctx, url)
	if err != nil || !created {
		t.Fatalf("EnsureDatabase = %v, %v; want created", created, err)
	}
	if created, err := store.EnsureDatabase(ctx, url); err != nil || created {
		t.Fatalf("second EnsureDatabase = %v, %v; want existing", created, err)
	}
	pool, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if got := pool.Config().MaxConns; got != 3 {
		t.Fatalf("MaxConns = %d; want the URL's 3", got)
	}
	var db string
	if err := pool.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil || db != name {
		t.Fatalf("current_database() = %q, %v; want %q", db, err, name)
	}
}

// Catena's pools run without JIT compilation unless the URL asks for it.
func TestOpenTurnsJITOffUnlessTheURLSetsIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, url := dbtest.NewDBURL(t)
	for _, c := range []struct {
		url, want string
		small     bool
	}{
		{url, "off", false},
		{url, "off", true},
		{url + "&jit=on", "on", false},
		{url + "&jit=on", "on", true},
	} {
		open := store.Open
		if c.small {
			open = func(ctx context.Context, u string) (*pgxpool.Pool, error) { return store.OpenSmall(ctx, u, 1, "test") }
		}
		pool, err := open(ctx, c.url)
		if err != nil {
			t.Fatal(err)
		}
		var jit string
		err = pool.QueryRow(ctx, "SHOW jit").Scan(&jit)
		pool.Close()
		if err != nil || jit != c.want {
			t.Errorf("%s (small %v): jit = %q, %v; want %q", c.url, c.small, jit, err, c.want)
		}
	}
}
