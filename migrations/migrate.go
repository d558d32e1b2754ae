// Package migrations holds Catena's numbered SQL migrations, embedded in the
// binary, and applies them together with River's own migrations.
//
// Catena's files are applied with jackc/tern: it is written by the pgx author,
// works on a *pgx.Conn (no database/sql), keeps up and down SQL in one file and
// takes a Postgres advisory lock, so two processes starting at once do not race.
package migrations

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed *.sql
var files embed.FS

// versionTable records Catena's schema version (River keeps its own).
const versionTable = "catena_schema_version"

// ErrOutOfDate means the database schema is older than this binary expects.
var ErrOutOfDate = errors.New("database schema is out of date")

// Status is where the database stands against the migrations in this binary.
type Status struct {
	Current, Latest           int32
	RiverCurrent, RiverLatest int
	// Names lists Catena's migrations in order.
	Names []string
}

// UpToDate reports whether nothing is left to apply.
func (s Status) UpToDate() bool { return s.Current == s.Latest && s.RiverCurrent == s.RiverLatest }

// Up applies every pending River and Catena migration.
func Up(ctx context.Context, pool *pgxpool.Pool) error {
	rm, err := riverMigrator(pool)
	if err != nil {
		return err
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("applying River migrations: %w", err)
	}
	return withMigrator(ctx, pool, func(m *migrate.Migrator) error {
		if err := m.Migrate(ctx); err != nil {
			return fmt.Errorf("applying Catena migrations: %w", err)
		}
		return nil
	})
}

// Down rolls back the most recent Catena migration (River's are left alone: the
// queue outlives a schema rollback).
func Down(ctx context.Context, pool *pgxpool.Pool) error {
	return withMigrator(ctx, pool, func(m *migrate.Migrator) error {
		v, err := m.GetCurrentVersion(ctx)
		if err != nil {
			return fmt.Errorf("reading schema version: %w", err)
		}
		if v == 0 {
			return errors.New("nothing to roll back: no Catena migration is applied")
		}
		if err := m.MigrateTo(ctx, v-1); err != nil {
			return fmt.Errorf("rolling back migration %d: %w", v, err)
		}
		return nil
	})
}

// Current reports the applied and available versions.
func Current(ctx context.Context, pool *pgxpool.Pool) (Status, error) {
	var st Status
	err := withMigrator(ctx, pool, func(m *migrate.Migrator) error {
		v, err := m.GetCurrentVersion(ctx)
		if err != nil {
			return fmt.Errorf("reading schema version: %w", err)
		}
		st.Current, st.Latest = v, int32(len(m.Migrations))
		for _, mg := range m.Migrations {
			st.Names = append(st.Names, mg.Name)
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	rm, err := riverMigrator(pool)
	if err != nil {
		return st, err
	}
	all := rm.AllVersions()
	st.RiverLatest = all[len(all)-1].Version
	existing, err := rm.ExistingVersions(ctx)
	if err != nil {
		return st, fmt.Errorf("reading River's schema version: %w", err)
	}
	if len(existing) > 0 {
		st.RiverCurrent = existing[len(existing)-1].Version
	}
	return st, nil
}

// Check refuses to go on when the schema is behind this binary; processes that do
// not migrate (gateway, runner in split mode) call it at start.
func Check(ctx context.Context, pool *pgxpool.Pool) error {
	st, err := Current(ctx, pool)
	if err != nil {
		return err
	}
	if !st.UpToDate() {
		return fmt.Errorf("%w: Catena %d/%d, River %d/%d; run `catena migrate up`", ErrOutOfDate, st.Current, st.Latest, st.RiverCurrent, st.RiverLatest)
	}
	return nil
}

func withMigrator(ctx context.Context, pool *pgxpool.Pool, fn func(*migrate.Migrator) error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connecting for migrations: %w", err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return fmt.Errorf("preparing migrations: %w", err)
	}
	if err := m.LoadMigrations(files); err != nil {
		return fmt.Errorf("loading embedded migrations: %w", err)
	}
	return fn(m)
}

func riverMigrator(pool *pgxpool.Pool) (*rivermigrate.Migrator[pgx.Tx], error) {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return nil, fmt.Errorf("preparing River migrations: %w", err)
	}
	return m, nil
}

// FS exposes the embedded migration files (dbtest fingerprints them).
func FS() fs.FS { return files }
