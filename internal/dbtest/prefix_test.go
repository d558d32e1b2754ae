package dbtest

import (
	"strings"
	"testing"
)

func TestPrefix(t *testing.T) {
	for _, tc := range []struct {
		env, want, err string
	}{
		{"", DefaultPrefix, ""},
		{"ci_42_", "ci_42_", ""},
		{"Bad-Prefix", "", "only a-z"},
		{"x'; DROP db; --", "", "only a-z"},
		{strings.Repeat("a", 25), "", "at most 24"},
	} {
		t.Setenv("CATENA_TEST_DB_PREFIX", tc.env)
		got, err := Prefix()
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: got %q, %v; want %q, error containing %q", tc.env, got, err, tc.want, tc.err)
		}
	}
}
