package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/catena-monitor/catena/internal/collection"
)

// conflictMessages turns unique-constraint names into sentences a person can act on.
var conflictMessages = map[string]struct{ field, msg string }{
	"steps_collection_name_key": {"name", "a step with this name already exists in this collection"},
	"users_email_key":           {"email", "a user with this email already exists"},
	"runs_idempotency_key_key":  {"idempotencyKey", "a run for this slot already exists"},
}

// translate maps pgx errors onto the domain sentinels.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return collection.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			if m, ok := conflictMessages[pgErr.ConstraintName]; ok {
				return &collection.ConflictError{Field: m.field, Message: m.msg}
			}
			return fmt.Errorf("%w: %s", collection.ErrConflict, pgErr.ConstraintName)
		case "23503": // foreign_key_violation
			return fmt.Errorf("%w: a referenced object does not exist (%s)", collection.ErrNotFound, pgErr.ConstraintName)
		case "23514", "22001", "22P02": // check_violation, string too long, invalid text
			return fmt.Errorf("%w: %s", collection.ErrInvalid, pgErr.Message)
		}
	}
	return err
}
