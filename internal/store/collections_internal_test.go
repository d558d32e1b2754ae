package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/catena-monitor/catena/internal/collection"
)

// TestTranslateStepNamesTheStep: should a duplicate step name ever reach the
// unique constraint (the collection lock normally catches it first), the error
// still names the step.
func TestTranslateStepNamesTheStep(t *testing.T) {
	t.Parallel()
	dup := fmt.Errorf("inserting: %w", &pgconn.PgError{Code: "23505", ConstraintName: "steps_collection_name_key"})
	var ce *collection.ConflictError
	if err := translateStep(dup, "login"); !errors.As(err, &ce) || ce.Message != "a step named 'login' already exists in this collection" || ce.Field != "name" {
		t.Errorf("translateStep = %v; want the named conflict", err)
	}
	other := &pgconn.PgError{Code: "23514", Message: "violates check constraint"}
	if err := translateStep(other, "login"); !errors.Is(err, collection.ErrInvalid) {
		t.Errorf("translateStep(check violation) = %v; want ErrInvalid", err)
	}
}
