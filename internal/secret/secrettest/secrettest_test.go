package secrettest

import (
	"strings"
	"testing"
)

// Every encoding differs from the raw value (except raw) and keeps the start
// Leaks looks for, so a test using Leaks can fail on each of them.
func TestEncodingsAreDistinctAndDetectable(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	for name, form := range Encodings(Value) {
		if !Leaks(form) {
			t.Errorf("%s: %q does not keep the detectable start", name, form)
		}
		if prev, ok := seen[form]; ok && name != "raw" && prev != "raw" {
			t.Logf("%s and %s write the same text", name, prev)
		}
		seen[form] = name
	}
	if Encodings(Value)["python-json"] != `Zq9Xv7Kp&<en>/v l\"\u00fc+9'\ud83d\ude00` {
		t.Errorf("python-json = %q", Encodings(Value)["python-json"])
	}
	if Leaks(strings.Repeat("•", 3) + " zq9xv7") {
		t.Error("a start shorter than the prefix counts as a leak")
	}
}
