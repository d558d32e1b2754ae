package postman

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// canonical is c with empty maps and lists made nil, so that a field written as
// {} in one file and left out in its re-marshalled form compare equal: both
// mean "none". (collection's own tests keep the same helper for Parse.)
func canonical(c *collection.Collection) *collection.Collection {
	out := *c
	if len(out.Variables) == 0 {
		out.Variables = nil
	}
	out.Steps = nil
	for _, s := range c.Steps {
		if len(s.Headers) == 0 {
			s.Headers = nil
		}
		if len(s.Assertions) == 0 {
			s.Assertions = nil
		}
		out.Steps = append(out.Steps, s)
	}
	return &out
}

// checkRoundTrip: an imported collection survives the Catena file format in
// both encodings.
func checkRoundTrip(t *testing.T, c *collection.Collection) {
	t.Helper()
	for _, format := range []collection.Format{collection.FormatJSON, collection.FormatYAML} {
		out, err := collection.Marshal(c, format)
		if err != nil {
			t.Fatalf("Marshal %s: %v", format, err)
		}
		again, err := collection.Parse(out, "again")
		if err != nil {
			t.Fatalf("re-Parse of %s: %v\n%s", format, err, out)
		}
		if !reflect.DeepEqual(canonical(c), canonical(again)) {
			t.Fatalf("%s round trip changed the collection\nbefore: %#v\nafter:  %#v\n%s", format, c, again, out)
		}
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
