package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is what queries run on: a pool or a transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Open connects a pool and checks the database answers.
func Open(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parsing DATABASE_URL: %w", err)
	}
	// pgxpool defaults to max(4, GOMAXPROCS) connections, which starves a runner
	// with hundreds of runs in flight; a URL's pool_max_conns still wins.
	if !strings.Contains(databaseURL, "pool_max_conns") {
		cfg.MaxConns = 32
	}
	return openConfig(ctx, cfg, databaseURL, "catena")
}

// OpenSmall connects a pool of exactly maxConns connections, whatever the
// URL's pool_max_conns (sized for the runner), named application in
// pg_stat_activity: a part that must not wait behind hundreds of runs for a
// connection (the scheduler in catena serve) gets one of its own.
func OpenSmall(ctx context.Context, databaseURL string, maxConns int32, application string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parsing DATABASE_URL: %w", err)
	}
	cfg.MaxConns, cfg.MinConns = maxConns, min(cfg.MinConns, maxConns)
	cfg.ConnConfig.RuntimeParams["application_name"] = application
	return openConfig(ctx, cfg, databaseURL, application)
}

func openConfig(ctx context.Context, cfg *pgxpool.Config, databaseURL, application string) (*pgxpool.Pool, error) {
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = application
	}
	// Postgres compiles a statement with LLVM whenever its estimated cost
	// passes jit_above_cost, again at every execution. Catena's statements are
	// short, and their estimates overshoot (a parameter array of 500 ids, the
	// default size of a never-analyzed empty table): the scheduler's
	// maintenance-window lookup, 1 ms of work, spent 0.4-1.1 s compiling per
	// batch (docs/performance.md, issue 11's third pass). A URL's jit wins.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("creating pool: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to %s: %w", redactURL(databaseURL), err)
	}
	return pool, nil
}

// EnsureDatabase creates the database named in databaseURL when it does not exist,
// connecting to the server's "postgres" database to do so. The URL is parsed
// as the pool parses it, so pool settings such as pool_max_conns are taken as
// pool settings and never sent to the server as session parameters.
func EnsureDatabase(ctx context.Context, databaseURL string) (created bool, err error) {
	admin, name, err := adminConfig(databaseURL)
	if err != nil || name == "" || name == "postgres" {
		return false, err
	}
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return false, fmt.Errorf("connecting to the postgres database of %s: %w", redactURL(databaseURL), err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return false, fmt.Errorf("looking for database %q: %w", name, err)
	}
	if exists {
		return false, nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // created by someone else meanwhile
			return false, nil
		}
		return false, fmt.Errorf("creating database %q: %w", name, err)
	}
	return true, nil
}

// adminConfig returns a plain connection's settings for the server's
// "postgres" database and the name of the database databaseURL names.
// pgxpool.ParseConfig takes the pool_* parameters out of the URL (pgx.Connect
// would send them to the server, which refuses them).
func adminConfig(databaseURL string) (*pgx.ConnConfig, string, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, "", fmt.Errorf("parsing DATABASE_URL: %w", err)
	}
	admin := cfg.ConnConfig.Copy()
	name := admin.Database
	admin.Database = "postgres"
	return admin, name, nil
}

// WithTx runs fn in a transaction, committing when it returns nil.
func WithTx(ctx context.Context, db DB, fn func(tx pgx.Tx) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing: %w", translate(err))
	}
	return nil
}

// redactURL hides a password in a connection string for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}
