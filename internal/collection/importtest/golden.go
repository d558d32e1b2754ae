// Package importtest renders what an importer made of a file as a golden file
// that a reviewer can read: a summary line (steps, assertions, references to
// earlier responses, warnings), the warnings grouped by request, the names of
// the secrets (never their values), then the collection in Catena's YAML file
// format. It is used by the importers' tests only.
package importtest

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// Render builds the golden text for c and its warnings. src names the input
// file and regen the command that rewrites the golden file.
func Render(t testing.TB, src, regen string, c *collection.Collection, warnings []string) []byte {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Catena collection imported from %s.\n# Regenerate: %s\n", src, regen)
	assertions, refs := Counts(c)
	fmt.Fprintf(&b, "# %d steps, %d assertions, %d references to earlier responses, %d warnings\n", len(c.Steps), assertions, refs, len(warnings))
	if len(warnings) > 0 {
		b.WriteString("#\n# warnings:\n")
		for _, w := range warnings {
			b.WriteString("#   - " + strings.ReplaceAll(w, "\n", " ") + "\n")
		}
	}
	if len(c.Secrets) > 0 {
		b.WriteString("#\n# secrets (values not shown): " + strings.Join(slices.Sorted(maps.Keys(c.Secrets)), ", ") + "\n")
	}
	noValues := *c
	noValues.Secrets = nil
	out, err := collection.Marshal(&noValues, collection.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	b.Write(out)
	for _, v := range c.Secrets {
		if len(v) >= 4 && bytes.Contains(b.Bytes(), []byte(v)) {
			t.Errorf("a secret value reaches the golden file of %s", src)
		}
	}
	return b.Bytes()
}

// Counts returns the number of assertions and of references to an earlier
// step's response in c.
func Counts(c *collection.Collection) (assertions, refs int) {
	for _, s := range c.Steps {
		assertions += len(s.Assertions)
		texts := []string{s.URL, s.Body}
		for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
			texts = append(texts, s.Headers[k])
		}
		for _, a := range s.Assertions {
			texts = append(texts, a.Target)
		}
		for _, text := range texts {
			rs, _ := collection.References(text)
			for _, r := range rs {
				if r.Kind == collection.RefStep {
					refs++
				}
			}
		}
	}
	return assertions, refs
}

// Compare checks got against the golden file, rewriting it first when update
// is set, and checks that the golden file is itself a valid Catena file.
func Compare(t testing.TB, golden string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(golden, got, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the import differs from %s (run with -update if the change is intended)\n--- got\n%s", golden, got)
	}
	if _, err := collection.Parse(want, golden); err != nil {
		t.Errorf("the golden file does not parse: %v", err)
	}
}
