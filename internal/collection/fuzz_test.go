package collection

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes to the file parser: it never panics, every
// error is a ParseError or a ValidationError, and whatever it accepts is written
// back (JSON and YAML) and read again unchanged.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.*")
	if err != nil {
		f.Fatal(err)
	}
	malformed, _ := filepath.Glob("testdata/malformed/*")
	for _, name := range append(files, malformed...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"name":"n","steps":[{"name":"a","url":"http://127.0.0.1/","headers":{},"assertions":[]}]}`))
	f.Add([]byte("name: n\nsteps:\n- {name: a, url: 'http://127.0.0.1/', timeout: 1ns, retry: {attempts: 1, interval: 0s}}\n"))
	f.Add([]byte("name: &a n\nsteps: *a\n"))
	f.Add([]byte("name: n\nsteps:\n- name: a\n  url: http://127.0.0.1/\n  body: |\n    multi\n    line\n---\nname: second doc\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz")
		if err != nil {
			var pe *ParseError
			var ve *ValidationError
			if !errors.As(err, &pe) && !errors.As(err, &ve) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not match ErrInvalid: %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		checkRoundTrip(t, c)
	})
}

func checkRoundTrip(t *testing.T, c *Collection) {
	t.Helper()
	for _, format := range []Format{FormatJSON, FormatYAML} {
		out, err := Marshal(c, format)
		if err != nil {
			t.Fatalf("Marshal %s: %v", format, err)
		}
		again, err := Parse(out, "again")
		if err != nil {
			t.Fatalf("re-Parse of %s: %v\n%s", format, err, out)
		}
		if !reflect.DeepEqual(canonical(c), canonical(again)) {
			t.Fatalf("%s round trip changed the collection\nbefore: %#v\nafter:  %#v\n%s", format, c, again, out)
		}
	}
}

// FuzzValidate builds a two-step collection around arbitrary values: validation
// never panics, every problem names its field (and its step), and a collection
// it accepts survives the file format.
func FuzzValidate(f *testing.F) {
	f.Add("login", "post", "http://127.0.0.1:8080/login", "Authorization", "Bearer @<<login.body.token>>", `{"a": 1}`, "status", "", "equals", "200", int64(0), 0)
	f.Add("me", "GE T", "example.com/x", "Bad Name", "a\r\nb", "@<<me.body>>", "header", "", "contains", "", int64(-1), 0)
	f.Add("_x-1", "trace", "file:///etc/passwd", "Connection", "close", "@<<$now>>", "body", "a.b", "matches", "(", int64(time.Hour), 101)
	f.Add("s", "get", "https://u:p@127.0.0.1:99999999/", "X", "\x00", "@<<login.body", "latency", "", "less_than", "fast", int64(time.Second), 3)
	f.Add("step1", "DELETE", "@<<vars.base>>/x/@<<step1.status>>", "Host", "h", "@<<secrets.s>>", "body", "", "json_schema", "{", int64(1), 1)
	f.Add("t", "PUT", "http://[fe80::1%25eth0]/ a", "X-Y", "v", "\xff", "body", "#", "type_is", "integer", int64(0), -1)
	f.Fuzz(func(t *testing.T, name, method, url, hk, hv, body, source, property, comparison, target string, timeout int64, attempts int) {
		c := &Collection{
			Name:      "fuzz",
			Variables: map[string]string{"base": "http://127.0.0.1"},
			Steps: []Step{
				{Name: "login", Method: "POST", URL: "http://127.0.0.1/login"},
				{
					Name: name, Method: method, URL: url,
					Headers:    map[string]string{hk: hv},
					Body:       body,
					Timeout:    Duration(timeout),
					Assertions: []Assertion{{Source: Source(source), Property: property, Comparison: Comparison(comparison), Target: target}},
				},
			},
		}
		if attempts != 0 {
			c.Steps[1].Retry = &Retry{Attempts: attempts, Interval: Duration(timeout)}
		}
		c.Normalize()
		err := c.Validate()
		if err == nil {
			checkRoundTrip(t, c)
			return
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) == 0 {
			t.Fatalf("Validate returned %T %v", err, err)
		}
		for _, fe := range ve.Fields {
			if fe.Path == "" || fe.Message == "" {
				t.Fatalf("a problem without a path or message: %#v", fe)
			}
			if strings.HasPrefix(fe.Path, "steps[") && fe.Step == "" {
				t.Fatalf("a step problem without the step's name: %#v", fe)
			}
		}
	})
}

// FuzzParseTemplate checks that the scanner never panics and that the segments
// it returns put together give back the input.
func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{
		"", "plain", "Bearer @<<login.body.token>>", "@<<vars.base>>/x?y=@<<$uuid>>",
		"@<<", "@<<>>", "@<<a.body.@<<b.status>>>>", "@<<login.headers.X-A>>@<<step2.latency>>",
		">>@<<", "@<<@<<>>>>", "@<< secrets.k >>", "@<<$now>>", "@<<login.status.x>>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs, err := ParseTemplate(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			if !HasReferences(s) {
				t.Fatalf("text without %s failed to parse: %v", RefOpen, err)
			}
			return
		}
		var b strings.Builder
		for i, seg := range segs {
			switch {
			case seg.Ref != nil && seg.Literal != "":
				t.Fatalf("segment %d is both literal and reference", i)
			case seg.Ref != nil:
				inner := strings.TrimSuffix(strings.TrimPrefix(seg.Ref.Raw, RefOpen), RefClose)
				again, err := ParseReference(inner)
				if err != nil {
					t.Fatalf("reference %q re-parses with error %v", seg.Ref.Raw, err)
				}
				again.Raw = seg.Ref.Raw
				if again != *seg.Ref {
					t.Fatalf("reference %q re-parses differently: %+v vs %+v", seg.Ref.Raw, again, *seg.Ref)
				}
				if seg.Ref.Kind == RefStep && !ValidStepName(seg.Ref.Step) {
					t.Fatalf("reference to invalid step name %q", seg.Ref.Step)
				}
				b.WriteString(seg.Ref.Raw)
			case seg.Literal == "":
				t.Fatalf("empty literal segment %d", i)
			default:
				if strings.Contains(seg.Literal, RefOpen) {
					t.Fatalf("literal %q holds an unparsed reference", seg.Literal)
				}
				b.WriteString(seg.Literal)
			}
		}
		if b.String() != s {
			t.Fatalf("segments give %q, input was %q", b.String(), s)
		}
	})
}
