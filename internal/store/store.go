package store

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/secret"
)

// Store reads and writes Catena's data. Methods that change several rows do so
// in one transaction. Secret values and channel configuration are sealed with
// box before they reach the database.
type Store struct {
	pool *pgxpool.Pool
	box  *secret.Box
}

// New returns a Store on pool.
func New(pool *pgxpool.Pool, box *secret.Box) *Store { return &Store{pool: pool, box: box} }

// Pool exposes the pool for callers that need a transaction spanning packages
// (enqueueing a run, finishing a run with its alert decisions).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
