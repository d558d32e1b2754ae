package collection

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// canonical is c with empty maps and lists made nil, so that a field written as
// {} in one file and left out in its re-marshalled form compare equal: both
// mean "none".
func canonical(c *Collection) *Collection {
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

func TestParseRoundTrip(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"architecture.yaml", "every_field.json"} {
		for _, f := range []Format{FormatJSON, FormatYAML} {
			t.Run(file+"->"+string(f), func(t *testing.T) {
				t.Parallel()
				first, err := Parse(readTestdata(t, file), file)
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				out, err := Marshal(first, f)
				if err != nil {
					t.Fatalf("Marshal: %v", err)
				}
				if got := DetectFormat(out); got != f {
					t.Errorf("DetectFormat of marshalled %s = %s", f, got)
				}
				second, err := Parse(out, "marshalled")
				if err != nil {
					t.Fatalf("re-Parse: %v\n%s", err, out)
				}
				if !reflect.DeepEqual(canonical(first), canonical(second)) {
					t.Errorf("round trip changed the collection\nfirst:  %+v\nsecond: %+v\nfile:\n%s", first, second, out)
				}
			})
		}
	}
}

func TestParseEveryField(t *testing.T) {
	t.Parallel()
	c, err := Parse(readTestdata(t, "every_field.json"), "every_field.json")
	if err != nil {
		t.Fatal(err)
	}
	s := c.Steps[0]
	if s.Method != "POST" {
		t.Errorf("method %q: lowercase post should be normalised to POST", s.Method)
	}
	if s.Timeout.Std() != 2*time.Second || s.EffectiveTimeout() != 2*time.Second {
		t.Errorf("timeout = %s", s.Timeout)
	}
	if s.Redirects() || !s.Insecure {
		t.Errorf("follow_redirects/insecure not read: %+v", s)
	}
	if c.Steps[1].Retry == nil || c.Steps[1].Retry.Attempts != 3 || c.Steps[1].Retry.Interval.Std() != 500*time.Millisecond {
		t.Errorf("retry = %+v", c.Steps[1].Retry)
	}
	if c.Steps[1].EffectiveTimeout() != DefaultTimeout || !c.Steps[1].Redirects() {
		t.Errorf("defaults not applied to step 2")
	}
	if !c.Steps[2].AlwaysRun || !c.Steps[1].ContinueOnFailure {
		t.Errorf("always_run/continue_on_failure not read")
	}
	if got := c.Steps[1].Assertions[1].Target; got != "café ✓" {
		t.Errorf("unicode target = %q", got)
	}
}

// The example in ARCHITECTURE.md uses a step "order" that it never defines; the
// parser says so the way a user would need to hear it.
func TestParseArchitectureExampleAsWritten(t *testing.T) {
	t.Parallel()
	_, err := Parse(readTestdata(t, "architecture_verbatim.yaml"), "example.yaml")
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	want := FieldError{Path: "steps[3].url", Step: "receipt", Message: "unknown step 'order' in @<<order.body.id>>; earlier steps: login, me, cleanup"}
	if len(ve.Fields) != 1 || ve.Fields[0] != want {
		t.Errorf("fields = %#v\nwant %#v", ve.Fields, want)
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file      string
		line, col int // 0: the error has no position
		msg       string
	}{
		{"missing_comma.json", 4, 35, "invalid JSON: invalid character '\"' after object key:value pair"},
		{"truncated.json", 1, 25, "the document ends too early"},
		{"trailing.json", 1, 66, "unexpected data after the collection"},
		{"wrong_type.json", 4, 58, `steps.timeout must be a duration written as a string such as "5s", not a JSON number`},
		{"unknown_field.json", 5, 6, `unknown field "asertions"`},
		{"bad_duration.json", 4, 58, `"soon" is not a duration; write it like 5s, 250ms or 1m30s`},
		{"bad_indent.yaml", 5, 6, "invalid YAML: mapping values are not allowed in this context"},
		{"unknown_field.yaml", 6, 5, `unknown field "asertions" in a step`},
		{"bad_duration.yaml", 5, 14, `"soon" is not a duration`},
		{"postman_doc.json", 0, 0, "this is a Postman collection, not a Catena file"},
		{"list.yaml", 0, 0, "not a Catena collection: the document is a list"},
		{"scalar.json", 0, 0, "not a Catena collection: the document is a string"},
		{"empty.yaml", 0, 0, "file is empty"},
		{"no_steps.yaml", 0, 0, `not a Catena collection: no "steps" list found`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			c, err := Parse(readTestdata(t, "malformed/"+tt.file), tt.file)
			if c != nil {
				t.Errorf("Parse returned a collection for a malformed file")
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *ParseError", err, err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("a ParseError should match ErrInvalid")
			}
			if pe.Line != tt.line || pe.Column != tt.col {
				t.Errorf("position %d:%d, want %d:%d (%v)", pe.Line, pe.Column, tt.line, tt.col, err)
			}
			if !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", pe.Msg, tt.msg)
			}
			prefix := tt.file + ":"
			if tt.line > 0 {
				prefix = tt.file + ":" + strconv.Itoa(tt.line) + ":" + strconv.Itoa(tt.col) + ": "
			}
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("Error() = %q, want it to start with %q so editors can jump there", err, prefix)
			}
		})
	}
}

// A lone UTF-16 surrogate escape would decode to U+FFFD and be stored as a
// different text than was written; Parse names where it is.
func TestParseLoneSurrogate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc, path, esc string
	}{
		{`{"name": "n\ud800", "steps": []}`, "name", `\ud800`},
		{`{"name": "n", "steps": [{"name": "a", "url": "http://127.0.0.1/"}, {"name": "b", "url": "http://127.0.0.1/", "headers": {"X-K": "v\udc00"}}]}`, "steps[1].headers.X-K", `\udc00`},
		{`{"name": "n", "variables": {"v": "\\\ud83dx"}, "steps": []}`, "variables.v", `\ud83d`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc), "c.json")
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, tt.esc+" in "+tt.path+" is half of a UTF-16 surrogate pair") || pe.Line != 1 {
			t.Errorf("Parse(%s) = %v; want a ParseError naming %s in %s", tt.doc, err, tt.esc, tt.path)
		}
	}
	// A whole pair, and an escaped backslash before "ud800", are fine.
	for _, doc := range []string{
		`{"name": "n \ud83d\ude00", "steps": [{"name": "a", "url": "http://127.0.0.1/"}]}`,
		`{"name": "n \\ud800", "steps": [{"name": "a", "url": "http://127.0.0.1/"}]}`,
	} {
		if _, err := Parse([]byte(doc), "c.json"); err != nil {
			t.Errorf("Parse(%s) = %v; want it accepted", doc, err)
		}
	}
}

func TestDecodeLimitsAndBOM(t *testing.T) {
	t.Parallel()
	big := make([]byte, MaxFileBytes+1)
	if _, err := Decode(big, "big.yaml"); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("oversized file: err = %v", err)
	}
	withBOM := append([]byte("\ufeff"), readTestdata(t, "every_field.json")...)
	if DetectFormat(withBOM) != FormatJSON {
		t.Errorf("a JSON file with a BOM should be detected as JSON")
	}
	if _, err := Parse(withBOM, "bom.json"); err != nil {
		t.Errorf("a BOM should be tolerated: %v", err)
	}
}

func TestParseValidatesAndNeedsSteps(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte("name: empty\nsteps: []\n"), "empty-steps.yaml")
	if c == nil || err == nil || !strings.Contains(err.Error(), "steps: a collection needs at least one step") {
		t.Errorf("zero steps: c=%v err=%v", c, err)
	}
	c, err = Parse([]byte("name: m\nsteps:\n  - {name: a, method: trace, url: 'http://127.0.0.1/'}\n"), "m.yaml")
	var ve *ValidationError
	if c == nil || !errors.As(err, &ve) {
		t.Fatalf("invalid collection: c=%v err=%v", c, err)
	}
	if c.Steps[0].Method != "TRACE" {
		t.Errorf("Normalize should run before Validate; method = %q", c.Steps[0].Method)
	}
	if got := ve.Fields[0]; got.Path != "steps[0].method" || got.Step != "a" {
		t.Errorf("field = %+v", got)
	}
}

func TestMarshalUnknownFormat(t *testing.T) {
	t.Parallel()
	if _, err := Marshal(&Collection{Name: "x"}, "toml"); !errors.Is(err, ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid", err)
	}
}

func TestParseErrorFormatting(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		e    ParseError
		want string
	}{
		{ParseError{File: "a.yaml", Line: 3, Column: 7, Msg: "bad"}, "a.yaml:3:7: bad"},
		{ParseError{File: "a.yaml", Msg: "bad"}, "a.yaml: bad"},
		{ParseError{Line: 2, Column: 1, Msg: "bad"}, "2:1: bad"},
		{ParseError{Msg: "bad"}, "bad"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.e, got, tt.want)
		}
	}
}
