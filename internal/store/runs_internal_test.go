package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// encodeAssertions writes valid JSON for any text, and reading it back gives
// every field in its place.
func TestEncodeAssertionsRoundTrips(t *testing.T) {
	t.Parallel()
	in := []collection.AssertionResult{
		{Assertion: collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"},
			Expected: "200", Actual: "200", Passed: true},
		{Assertion: collection.Assertion{Source: collection.SourceBody, Property: `a."b"\c`, Comparison: collection.Matches, Target: "^x\ty$"},
			Expected: "ünïcode ✓", Actual: "line1\nline2\x00\x7f", Passed: false, Reason: "bad \xff byte <&>"},
	}
	b, err := encodeAssertions(in)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("not valid JSON: %s", b)
	}
	if want := `[["status","","equals","200","200","200",true,""],["body",`; !strings.HasPrefix(string(b), want) {
		t.Errorf("encoded = %s; want it to start %s", b, want)
	}
	var out []storedAssertion
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	want := make([]storedAssertion, len(in))
	for i, a := range in {
		want[i] = storedAssertion{Source: a.Source, Property: a.Property, Comparison: a.Comparison, Target: a.Target,
			Expected: a.Expected, Actual: a.Actual, Passed: a.Passed, Reason: a.Reason}
	}
	want[1].Reason = "bad \uFFFD byte <&>" // invalid UTF-8 is replaced, as encoding/json does
	if !reflect.DeepEqual(out, want) {
		t.Errorf("read back %+v\nwant %+v", out, want)
	}
	if b, _ := encodeAssertions(nil); string(b) != "[]" {
		t.Errorf("no assertions encode as %s; want []", b)
	}
}
