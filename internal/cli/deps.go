package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/config"
	"github.com/catena-monitor/catena/internal/metrics"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
	"github.com/catena-monitor/catena/migrations"
)

// deps is what long-running commands share: built once, passed down, never global.
type deps struct {
	cfg   *config.Config
	log   *slog.Logger
	pool  *pgxpool.Pool
	box   *secret.Box
	store *store.Store
	// metrics is the process's one registry (nil in tests that build deps
	// by hand: recording into nil is a no-op).
	metrics *metrics.Metrics
	// yield is set by catena serve only: its runner holds new runs back while
	// its scheduler enqueues (nil in split mode).
	yield *schedulerYield
}

// openDeps loads config, connects to Postgres and either applies migrations
// (serve) or refuses an out-of-date schema (split-mode processes).
func openDeps(ctx context.Context, e env, migrate bool) (*deps, error) {
	cfg, log, err := loadConfig(e)
	if err != nil {
		return nil, err
	}
	log.InfoContext(ctx, "egress policy: "+egressSummary(cfg), "egress", cfg.Egress,
		"deny_cidrs", prefixList(cfg.DenyCIDRs), "allow_cidrs", prefixList(cfg.AllowCIDRs))
	if len(cfg.SecretKey) == 0 {
		return nil, &ExitError{Code: 2, Err: errors.New("CATENA_SECRET_KEY (or CATENA_SECRET_KEY_FILE) is required: 32 bytes as base64, e.g. from `openssl rand -base64 32`; `make run` creates a development key for you")}
	}
	box, err := secret.New(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	if migrate {
		if created, err := store.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
			return nil, err
		} else if created {
			log.InfoContext(ctx, "created database")
		}
	}
	pool, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if migrate {
		err = migrations.Up(ctx, pool)
	} else {
		err = migrations.Check(ctx, pool)
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("preparing the database: %w", err)
	}
	return &deps{cfg: cfg, log: log, pool: pool, box: box, store: store.New(pool, box), metrics: newMetrics(cfg)}, nil
}

func (d *deps) close() { d.pool.Close() }

// egressSummary says in words what steps and alert deliveries may reach.
func egressSummary(cfg *config.Config) string {
	s := "loopback and private addresses are reachable (CATENA_EGRESS=private-ok); link-local and cloud metadata are refused"
	if cfg.Egress == config.EgressPublicOnly {
		s = "only public addresses are reachable (CATENA_EGRESS=public-only); loopback, private, link-local and cloud metadata are refused"
	}
	if len(cfg.AllowCIDRs) > 0 {
		s += "; re-allowed by CATENA_ALLOW_CIDRS: " + prefixList(cfg.AllowCIDRs)
	}
	return s
}

func prefixList(ps []netip.Prefix) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return strings.Join(out, ",")
}
