package graph

import (
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/secret/secrettest"
)

// redactArgs masks every known secret field, and the same value wherever
// else it was pasted, and keeps what is not secret.
func TestRedactArgs(t *testing.T) {
	t.Parallel()
	s := secrettest.Value
	for _, tc := range []struct {
		name   string
		action string
		args   map[string]any
		keep   []string // text the summary still shows
	}{
		{"password", "login", map[string]any{"email": "ada@example.com", "password": s}, []string{"ada@example.com"}},
		{"password change", "changePassword", map[string]any{"currentPassword": s, "newPassword": s + "x"}, nil},
		{"user password", "createUser", map[string]any{"input": map[string]any{"email": "e@example.com", "password": s, "role": "VIEWER"}}, []string{"VIEWER"}},
		{"setup token", "setup", map[string]any{"token": s, "email": "a@example.com", "password": "p"}, []string{"a@example.com"}},
		{"setSecret value", "setSecret", map[string]any{"collectionId": "3", "name": "key", "value": s}, []string{`"key"`, `"3"`}},
		{"collection secrets", "createCollection", map[string]any{"input": map[string]any{
			"name": "c", "secrets": []any{map[string]any{"name": "key", "value": s}},
			"variables": []any{map[string]any{"name": "base", "value": "http://127.0.0.1:1"}},
		}}, []string{"http://127.0.0.1:1", `"key"`}},
		{"channel settings", "createAlertChannel", map[string]any{"input": map[string]any{
			"name": "hook", "type": "WEBHOOK", "config": []any{map[string]any{"key": "secret", "value": s}},
		}}, []string{"WEBHOOK", `"secret"`}},
		{"credential header", "addStep", map[string]any{"collectionId": "1", "input": map[string]any{
			"name": "a", "headers": []any{map[string]any{"name": "Authorization", "value": "Bearer " + s}, map[string]any{"name": "Accept", "value": "application/json"}},
		}}, []string{"application/json", "Authorization"}},
		{"pasted elsewhere", "createCollection", map[string]any{"input": map[string]any{
			"name": "my " + s, "secrets": []any{map[string]any{"name": "key", "value": s}},
		}}, []string{`"my ••••"`}},
		{"imported document", "importCollection", map[string]any{"format": "POSTMAN", "document": `{"auth": "` + s + `"}`}, []string{"bytes", "POSTMAN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(redactArgs(tc.action, tc.args))
			if secrettest.Leaks(got) {
				t.Errorf("summary shows the secret: %s", got)
			}
			for _, k := range tc.keep {
				if !strings.Contains(got, k) {
					t.Errorf("summary %s lost %q", got, k)
				}
			}
		})
	}
}

func TestRedactArgsCutsLongStrings(t *testing.T) {
	t.Parallel()
	got := string(redactArgs("addStep", map[string]any{"input": map[string]any{"body": strings.Repeat("a", 5000)}}))
	if len(got) > 700 || !strings.Contains(got, "…") {
		t.Errorf("a 5000-byte body became %d bytes: %.80s", len(got), got)
	}
}
