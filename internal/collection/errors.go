package collection

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels shared by every layer; store translates database errors into them and
// the GraphQL error presenter maps them to extensions.code.
var (
	// ErrNotFound means the object does not exist (or is not visible to the caller).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change collides with existing state, such as a duplicate name.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input was rejected by validation.
	ErrInvalid = errors.New("invalid")
)

// FieldError is one validation problem: where it is and what is wrong, in words a
// person can act on.
type FieldError struct {
	// Path locates the field, e.g. "steps[1].url" or "steps[0].assertions[2].target".
	Path string `json:"path"`
	// Step is the name of the step the field belongs to, when it belongs to one.
	Step string `json:"step,omitempty"`
	// Message says what is wrong, naming the offending value.
	Message string `json:"message"`
}

func (e FieldError) Error() string {
	if e.Step != "" {
		return fmt.Sprintf("step %q: %s: %s", e.Step, e.Path, e.Message)
	}
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// ValidationError holds every problem found in one input, so a person can fix them
// all at once. It matches ErrInvalid with errors.Is.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Error()
	}
	return strings.Join(msgs, "; ")
}

// Is reports ErrInvalid so callers can test with errors.Is(err, ErrInvalid).
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// add records a problem; used while validating.
func (e *ValidationError) add(path, step, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Path: path, Step: step, Message: fmt.Sprintf(format, args...)})
}

// err returns nil when nothing was recorded, so validators can `return v.err()`.
func (e *ValidationError) err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Invalid builds a single-field ValidationError, for callers outside this package
// that reject one value.
func Invalid(path, format string, args ...any) error {
	v := &ValidationError{}
	v.add(path, "", format, args...)
	return v
}

// ConflictError is a conflict with a message fit for a person, such as
// "a step named 'login' already exists in this collection". It matches ErrConflict.
type ConflictError struct {
	Field   string
	Message string
}

func (e *ConflictError) Error() string { return e.Message }

// Is reports ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }
