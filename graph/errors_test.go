package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
)

func TestErrorPresenter(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	present := ErrorPresenter(slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()
	for _, tc := range []struct {
		err  error
		code string
		msg  string
	}{
		{fmt.Errorf("collection 3: %w", collection.ErrNotFound), CodeNotFound, "collection 3: not found"},
		{&collection.ConflictError{Field: "name", Message: "a step named 'a' already exists"}, CodeConflict, "a step named 'a' already exists"},
		{collection.Invalid("steps[1].url", "bad url"), CodeInvalid, "steps[1].url: bad url"},
		{fmt.Errorf("x: %w", auth.ErrUnauthenticated), CodeUnauthenticated, auth.ErrUnauthenticated.Error()},
		{auth.ErrForbidden, CodeForbidden, auth.ErrForbidden.Error()},
		{errors.New(`ERROR: relation "runs" does not exist (SQLSTATE 42P01)`), CodeInternal, "internal error (request id "},
	} {
		e := present(ctx, tc.err)
		if e.Extensions["code"] != tc.code || !strings.HasPrefix(e.Message, tc.msg) {
			t.Errorf("%v: got %q %v", tc.err, e.Message, e.Extensions)
		}
	}
	// The internal error's text is logged under the id, never returned.
	e := present(ctx, errors.New("pq: password authentication failed for user catena"))
	id, _ := e.Extensions["requestId"].(string)
	if id == "" || strings.Contains(e.Message, "password") || !strings.Contains(logs.String(), id) || !strings.Contains(logs.String(), "password authentication failed") {
		t.Fatalf("internal error: %q %v; logs %s", e.Message, e.Extensions, logs.String())
	}
	v := present(ctx, &collection.ValidationError{Fields: []collection.FieldError{{Path: "steps[0].name", Step: "x y", Message: "bad name"}}})
	fields, _ := v.Extensions["fields"].([]map[string]any)
	if len(fields) != 1 || fields[0]["step"] != "x y" || fields[0]["path"] != "steps[0].name" {
		t.Fatalf("fields %v", v.Extensions)
	}
}

func TestRecoverFuncHidesThePanic(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	err := RecoverFunc(slog.New(slog.NewTextHandler(&logs, nil)))(context.Background(), "secret detail")
	if strings.Contains(err.Error(), "secret detail") || !strings.Contains(logs.String(), "secret detail") {
		t.Fatalf("%v / %s", err, logs.String())
	}
}

func TestMaskConfig(t *testing.T) {
	t.Parallel()
	got := maskConfig(map[string]string{
		"webhook_url": "https://user:pw@hooks.slack.com/services/T0/B0/abcdef",
		"routing_key": "0123456789abcdef0123456789abcdef",
		"to":          "ops@example.com",
		"token":       "short",
	})
	want := map[string]string{
		"webhook_url": "https://hooks.slack.com/••••",
		"routing_key": "••••cdef",
		"to":          "ops@example.com",
		"token":       "••••",
	}
	for _, e := range got {
		if want[e.Key] != e.Value {
			t.Errorf("%s: %q, want %q", e.Key, e.Value, want[e.Key])
		}
	}
}
