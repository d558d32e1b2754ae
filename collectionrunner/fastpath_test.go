package collectionrunner

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// The executor's shortcuts must change nothing but the cost: each is checked
// here against the slow path it stands in for.

// mayBeNumber never rejects text ParseFloat accepts.
func TestMayBeNumberNeverRejectsANumber(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"1", "+1", "-1", ".5", "-.5", "1e5", "inf", "+Inf", "-infinity", "NaN", "nan",
		"0x1p-2", "0x_1p0", "1_000", "_1", "x", "Bearer", "ord_1", "+", "-", "e5", "true", "null", "١", "+nan"} {
		if _, err := strconv.ParseFloat(s, 64); err == nil && !mayBeNumber(s) {
			t.Errorf("%q parses as a number, mayBeNumber says it cannot", s)
		}
	}
}

// Sets of secret values get distinct keys; names and order do not matter.
func TestSecretsKey(t *testing.T) {
	t.Parallel()
	key := func(m map[string]string) secretsKey {
		k, _ := secretsKeyOf(m)
		return k
	}
	if _, ok := secretsKeyOf(map[string]string{"a": ""}); ok {
		t.Error("only empty secrets: want no key")
	}
	if key(map[string]string{"x": "1:a2:bc"}) == key(map[string]string{"x": "a", "y": "bc"}) {
		t.Error("one secret and two secrets share a key")
	}
	if key(map[string]string{"x": "a", "y": "bc"}) != key(map[string]string{"p": "bc", "q": "a", "r": ""}) {
		t.Error("the same values under other names got another key")
	}
	if key(map[string]string{"x": "a", "y": "a"}) != key(map[string]string{"z": "a"}) {
		t.Error("a repeated value got another key than the value once")
	}
	e := NewExecutor(Config{})
	a, b := e.redactorFor(map[string]string{"x": "s3cret-value"}), e.redactorFor(map[string]string{"y": "s3cret-value"})
	if a != b || a.Redact("id s3cret-value") != "id "+collection.Redacted {
		t.Error("the cached redactor is not shared or does not redact")
	}
}

// The counting shortcut of depthWithin agrees with the exact scan.
func TestDepthWithinShortcut(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		max  int
		want bool
	}{
		{strings.Repeat("[", 3) + strings.Repeat("]", 3), 3, true},
		{strings.Repeat("[", 4) + strings.Repeat("]", 4), 3, false},
		{`["[[[[", "{{{{"]`, 3, true}, // brackets in strings: past the count, within by the scan
		{`[[],[],[],[]]`, 2, true},
	} {
		if got := depthWithin([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("depthWithin(%s, %d) = %v", tt.in, tt.max, got)
		}
	}
}

// Cached redactors (which hold secret values) are dropped after redactorTTL,
// so an old secret does not outlive its rotation in the runner's memory.
func TestRedactorCacheForgetsOldSecrets(t *testing.T) {
	t.Parallel()
	e := NewExecutor(Config{})
	old := e.redactorFor(map[string]string{"password": "rotated-away-1"})
	if again := e.redactorFor(map[string]string{"pw": "rotated-away-1"}); again != old {
		t.Fatal("the same secret value did not reuse its redactor")
	}
	e.redactors.born.Store(time.Now().Add(-redactorTTL - time.Second).UnixNano())
	e.redactorFor(map[string]string{"password": "current-2"})
	if _, ok := e.redactors.m.Load(secretsKey{n: 1, text: "rotated-away-1"}); ok {
		t.Fatal("a redactor holding an old secret survived past redactorTTL")
	}
	if n := e.redactors.n.Load(); n != 1 {
		t.Fatalf("cache holds %d redactors after expiry; want only the new one", n)
	}
}
