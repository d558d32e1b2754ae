package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/secret"
)

// withPoolParams adds the pgxpool settings docs/performance.md recommends to a
// database URL; Postgres itself refuses them as session parameters.
func withPoolParams(u string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "pool_max_conns=8&pool_min_conns=1&pool_max_conn_lifetime=1h&pool_health_check_period=30s"
}

// Every command that opens the database accepts a DATABASE_URL carrying
// pool_* parameters: migrate up creates and migrates a missing database,
// status reads it, token create works on it, and serve starts on it.
func TestPoolParamsInDatabaseURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "catena_test_poolurl_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dbtest.ServerURL())
		if err != nil {
			t.Logf("dropping %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{name}.Sanitize())); err != nil {
			t.Logf("dropping %s: %v", name, err)
		}
	})
	dbURL := withPoolParams(dbtest.URLFor(name))
	env := map[string]string{
		"DATABASE_URL": dbURL, "CATENA_SECRET_KEY": secret.NewKey(), "CATENA_LOG_LEVEL": "error",
		"CATENA_ADMIN_EMAIL": "ops@example.com", "CATENA_ADMIN_PASSWORD": "a long password",
	}
	var out bytes.Buffer
	if err := Run(ctx, []string{"migrate", "up"}, envOf(env), &out); err != nil {
		t.Fatalf("migrate up with pool parameters: %v", err)
	}
	out.Reset()
	if err := Run(ctx, []string{"migrate", "status"}, envOf(env), &out); err != nil {
		t.Fatalf("migrate status with pool parameters: %v", err)
	}
	if !strings.Contains(out.String(), "applied") || strings.Contains(out.String(), "pending") {
		t.Fatalf("migrate status after up:\n%s", out.String())
	}
	if err := Run(ctx, []string{"token", "create", "ci"}, envOf(env), io.Discard); err != nil {
		t.Fatalf("token create with pool parameters: %v", err)
	}
	startServe(t, env) // fails the test unless /healthz answers
}
