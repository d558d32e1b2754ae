package collectionrunner

import (
	"net/http"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

const testBody = `{"id":9007199254740993,"name":"Ann","price":"12.50","count":3,"tags":["a","b"],"empty":[],"obj":{},"none":null,"flag":false,
"items":[{"name":"x","price":5},{"name":"y","price":15},{"name":"z","price":25}],"text":""}`

func obs(status int, body string, hdr http.Header) observed {
	if hdr == nil {
		hdr = http.Header{"Content-Type": {"application/json"}, "X-Trace": {"t1"}, "X-Empty": {""}}
	}
	return observed{resp: &response{status: status, header: hdr, body: []byte(body), latencyMS: 42}}
}

func TestAssert(t *testing.T) {
	t.Parallel()
	type A = collection.Assertion
	ok := obs(200, testBody, nil)
	tests := []struct {
		name   string
		a      A
		o      observed
		pass   bool
		actual string
		reason string // substring
		code   string // for failures
	}{
		// status
		{"status equals", A{Source: "status", Comparison: "equals", Target: "200"}, ok, true, "200", "equal", ""},
		{"status equals as numbers", A{Source: "status", Comparison: "equals", Target: "200.0"}, ok, true, "200", "", ""},
		{"status not_equals", A{Source: "status", Comparison: "not_equals", Target: "500"}, ok, true, "200", "", ""},
		{"status equals fails", A{Source: "status", Comparison: "equals", Target: "201"}, ok, false, "200", `"200" is not "201"`, CodeAssertion},
		{"status greater_than", A{Source: "status", Comparison: "greater_than", Target: "199"}, ok, true, "200", "greater than the target", ""},
		{"status greater_or_equal", A{Source: "status", Comparison: "greater_or_equal", Target: "200"}, ok, true, "200", "", ""},
		{"status less_than fails", A{Source: "status", Comparison: "less_than", Target: "200"}, ok, false, "200", "200 is not < 200", CodeAssertion},
		{"status less_or_equal", A{Source: "status", Comparison: "less_or_equal", Target: "299"}, ok, true, "200", "", ""},
		{"status matches", A{Source: "status", Comparison: "matches", Target: "^2..$"}, ok, true, "200", "", ""},
		// latency
		{"latency less_than", A{Source: "latency", Comparison: "less_than", Target: "500"}, ok, true, "42", "", ""},
		{"latency greater_than fails", A{Source: "latency", Comparison: "greater_than", Target: "100"}, ok, false, "42", "42 is not > 100", CodeAssertion},
		// header
		{"header contains, name case-insensitive", A{Source: "header", Property: "content-type", Comparison: "contains", Target: "json"}, ok, true, "application/json", "", ""},
		{"header not_contains", A{Source: "header", Property: "Content-Type", Comparison: "not_contains", Target: "xml"}, ok, true, "", "", ""},
		{"header equals", A{Source: "header", Property: "X-Trace", Comparison: "equals", Target: "t1"}, ok, true, "t1", "", ""},
		{"header matches", A{Source: "header", Property: "X-Trace", Comparison: "matches", Target: `^t\d$`}, ok, true, "t1", "", ""},
		{"header exists", A{Source: "header", Property: "X-Trace", Comparison: "exists"}, ok, true, "t1", "present", ""},
		{"header exists fails when absent", A{Source: "header", Property: "X-Nope", Comparison: "exists"}, ok, false, "(absent)", `header "X-Nope" is not in the response`, CodeNoMatch},
		{"header not_exists", A{Source: "header", Property: "X-Nope", Comparison: "not_exists"}, ok, true, "", "not present", ""},
		{"header not_exists fails", A{Source: "header", Property: "X-Trace", Comparison: "not_exists"}, ok, false, "t1", "present", CodeAssertion},
		{"header is_empty", A{Source: "header", Property: "X-Empty", Comparison: "is_empty"}, ok, true, "", "empty", ""},
		{"header is_not_empty", A{Source: "header", Property: "X-Trace", Comparison: "is_not_empty"}, ok, true, "t1", "", ""},
		{"header greater_than on a non-number", A{Source: "header", Property: "X-Trace", Comparison: "greater_than", Target: "1"}, ok, false, "t1", `"t1" is not a number`, CodeTypeMismatch},
		// body
		{"body string equals", A{Source: "body", Property: "name", Comparison: "equals", Target: "Ann"}, ok, true, "Ann", "", ""},
		{"body string-number equals as number", A{Source: "body", Property: "price", Comparison: "equals", Target: "12.5"}, ok, true, "12.50", "", ""},
		{"body big id keeps its digits", A{Source: "body", Property: "id", Comparison: "equals", Target: "9007199254740993"}, ok, true, "9007199254740993", "", ""},
		{"body big id is not its float64 neighbour", A{Source: "body", Property: "id", Comparison: "equals", Target: "9007199254740992"}, ok, false, "9007199254740993", "is not", CodeAssertion},
		{"body big id not_equals its float64 neighbour", A{Source: "body", Property: "id", Comparison: "not_equals", Target: "9007199254740992"}, ok, true, "9007199254740993", "", ""},
		{"body big id greater_than its neighbour", A{Source: "body", Property: "id", Comparison: "greater_than", Target: "9007199254740992"}, ok, true, "", "", ""},
		{"body big id less_or_equal its neighbour fails", A{Source: "body", Property: "id", Comparison: "less_or_equal", Target: "9007199254740992"}, ok, false, "", "is not <=", CodeAssertion},
		{"body big id equals in exponent form", A{Source: "body", Property: "id", Comparison: "equals", Target: "9.007199254740993e15"}, ok, true, "", "", ""},
		{"decimal float64 rounds away is kept", A{Source: "body", Property: "d", Comparison: "equals", Target: "0.1"}, obs(200, `{"d":0.10000000000000000001}`, nil), false, "", "is not", CodeAssertion},
		{"decimal trailing zeros are equal", A{Source: "body", Property: "d", Comparison: "equals", Target: "0.1"}, obs(200, `{"d":0.1000}`, nil), true, "", "", ""},
		{"huge integers ordered exactly", A{Source: "body", Property: "d", Comparison: "less_than", Target: "123456789012345678901234567891"}, obs(200, `{"d":123456789012345678901234567890}`, nil), true, "", "", ""},
		{"negative zero equals zero", A{Source: "body", Property: "d", Comparison: "equals", Target: "0"}, obs(200, `{"d":-0.0}`, nil), true, "", "", ""},
		{"body not_equals", A{Source: "body", Property: "name", Comparison: "not_equals", Target: "Bob"}, ok, true, "Ann", "", ""},
		{"body count with #", A{Source: "body", Property: "tags.#", Comparison: "equals", Target: "2"}, ok, true, "2", "", ""},
		{"body # greater_than", A{Source: "body", Property: "items.#", Comparison: "greater_than", Target: "0"}, ok, true, "3", "", ""},
		{"body query", A{Source: "body", Property: `items.#(name=="y").price`, Comparison: "equals", Target: "15"}, ok, true, "15", "", ""},
		{"body query all", A{Source: "body", Property: `items.#(price>10)#.name`, Comparison: "equals", Target: `["y","z"]`}, ok, true, `["y","z"]`, "", ""},
		{"body query matched nothing", A{Source: "body", Property: `items.#(name=="q").price`, Comparison: "equals", Target: "1"}, ok, false, "(nothing)", "matched nothing", CodeNoMatch},
		{"body greater_or_equal", A{Source: "body", Property: "count", Comparison: "greater_or_equal", Target: "3"}, ok, true, "3", "", ""},
		{"body less_or_equal", A{Source: "body", Property: "count", Comparison: "less_or_equal", Target: "2"}, ok, false, "3", "3 is not <= 2", CodeAssertion},
		{"body less_than string vs number", A{Source: "body", Property: "name", Comparison: "less_than", Target: "5"}, ok, false, "Ann", `"Ann" is not a number`, CodeTypeMismatch},
		{"body array contains an element", A{Source: "body", Property: "tags", Comparison: "contains", Target: "b"}, ok, true, `["a","b"]`, "", ""},
		{"body array not_contains", A{Source: "body", Property: "tags", Comparison: "not_contains", Target: "c"}, ok, true, "", "", ""},
		{"body string contains", A{Source: "body", Property: "name", Comparison: "contains", Target: "nn"}, ok, true, "Ann", "", ""},
		{"body matches", A{Source: "body", Property: "name", Comparison: "matches", Target: "^A"}, ok, true, "Ann", "", ""},
		{"body invalid regex", A{Source: "body", Property: "name", Comparison: "matches", Target: "a(b"}, ok, false, "Ann", "invalid regular expression: missing closing )", CodeBadPattern},
		{"body exists", A{Source: "body", Property: "none", Comparison: "exists"}, ok, true, "null", "", ""},
		{"body exists fails", A{Source: "body", Property: "nope", Comparison: "exists"}, ok, false, "(nothing)", `path "nope" matched nothing (top-level keys: id, name`, CodeNoMatch},
		{"body not_exists", A{Source: "body", Property: "nope", Comparison: "not_exists"}, ok, true, "(nothing)", "matched nothing", ""},
		{"body not_exists fails", A{Source: "body", Property: "name", Comparison: "not_exists"}, ok, false, "Ann", "present", CodeAssertion},
		{"body is_empty array", A{Source: "body", Property: "empty", Comparison: "is_empty"}, ok, true, "[]", "", ""},
		{"body is_empty object", A{Source: "body", Property: "obj", Comparison: "is_empty"}, ok, true, "{}", "", ""},
		{"body is_empty null", A{Source: "body", Property: "none", Comparison: "is_empty"}, ok, true, "null", "", ""},
		{"body is_empty string", A{Source: "body", Property: "text", Comparison: "is_empty"}, ok, true, "", "", ""},
		{"body is_not_empty fails on []", A{Source: "body", Property: "empty", Comparison: "is_not_empty"}, ok, false, "[]", "the value is empty", CodeAssertion},
		{"body type_is string", A{Source: "body", Property: "name", Comparison: "type_is", Target: "string"}, ok, true, "Ann", "is string", ""},
		{"body type_is number", A{Source: "body", Property: "count", Comparison: "type_is", Target: "number"}, ok, true, "3", "", ""},
		{"body type_is boolean", A{Source: "body", Property: "flag", Comparison: "type_is", Target: "boolean"}, ok, true, "false", "", ""},
		{"body type_is object", A{Source: "body", Property: "obj", Comparison: "type_is", Target: "object"}, ok, true, "{}", "", ""},
		{"body type_is array", A{Source: "body", Property: "tags", Comparison: "type_is", Target: "array"}, ok, true, `["a","b"]`, "", ""},
		{"body type_is null", A{Source: "body", Property: "none", Comparison: "type_is", Target: "null"}, ok, true, "null", "", ""},
		{"body type_is mismatch", A{Source: "body", Property: "price", Comparison: "type_is", Target: "number"}, ok, false, "12.50", "is string, not number", CodeTypeMismatch},
		{"body object equals ignoring spaces", A{Source: "body", Property: "items.0", Comparison: "equals", Target: `{"name": "x", "price": 5}`}, ok, true, `{"name":"x","price":5}`, "", ""},
		{"whole body type_is", A{Source: "body", Comparison: "type_is", Target: "object"}, ok, true, "", "", ""},
		{"json_schema holds", A{Source: "body", Comparison: "json_schema", Target: `{"type":"object","required":["name"],"properties":{"count":{"type":"integer"}}}`}, ok, true, "", "matches the schema", ""},
		{"json_schema on a property", A{Source: "body", Property: "tags", Comparison: "json_schema", Target: `{"type":"array","items":{"type":"string"}}`}, ok, true, `["a","b"]`, "", ""},
		{"json_schema fails", A{Source: "body", Comparison: "json_schema", Target: `{"type":"object","properties":{"count":{"type":"string"}}}`}, ok, false, "", "does not match the schema: at /count:", CodeAssertion},
		{"json_schema invalid", A{Source: "body", Comparison: "json_schema", Target: `{"type":"nonsense"}`}, ok, false, "", "invalid JSON Schema", CodeBadSchema},
		{"json_schema not JSON", A{Source: "body", Comparison: "json_schema", Target: `{"type":`}, ok, false, "", "invalid JSON Schema: the schema is not valid JSON", CodeBadSchema},
		{"json_schema never reads files", A{Source: "body", Comparison: "json_schema", Target: `{"$ref":"file:///etc/passwd"}`}, ok, false, "", "invalid JSON Schema", CodeBadSchema},
		{"body not JSON", A{Source: "body", Property: "x", Comparison: "exists"}, obs(500, "<html>oops</html>", http.Header{"Content-Type": {"text/html"}}), false, "<html>oops</html>", "the body is not JSON (content-type text/html)", CodeBodyNotJSON},
		{"whole non-JSON body contains", A{Source: "body", Comparison: "contains", Target: "oops"}, obs(500, "<html>oops</html>", http.Header{}), true, "<html>oops</html>", "", ""},
		{"body on 204", A{Source: "body", Property: "id", Comparison: "exists"}, obs(204, "", http.Header{}), false, "(empty)", "the response has no body (status 204)", CodeEmptyBody},
		{"body on HEAD", A{Source: "body", Property: "id", Comparison: "exists"}, observed{resp: &response{status: 200, header: http.Header{}}, head: true}, false, "(empty)", "HEAD", CodeEmptyBody},
		{"body with BOM", A{Source: "body", Property: "a", Comparison: "equals", Target: "1"}, obs(200, "\xef\xbb\xbf{\"a\":1}", nil), true, "1", "", ""},
		{"body trailing garbage", A{Source: "body", Property: "a", Comparison: "exists"}, obs(200, `{"a":1} {"b":2}`, nil), false, "", "not JSON", CodeBodyNotJSON},
		{"body nested too deep", A{Source: "body", Property: "a", Comparison: "exists"}, obs(200, strings.Repeat("[", 600)+strings.Repeat("]", 600), nil), false, "", "nests deeper than 512 levels", CodeBodyTooDeep},
		{"body nested within the cap", A{Source: "body", Comparison: "type_is", Target: "array"}, obs(200, strings.Repeat("[", 500)+strings.Repeat("]", 500), nil), true, "", "", ""},
		// text
		{"text contains", A{Source: "text", Comparison: "contains", Target: `"name":"Ann"`}, ok, true, "", "", ""},
		{"text not_contains", A{Source: "text", Comparison: "not_contains", Target: "error"}, ok, true, "", "", ""},
		{"text equals", A{Source: "text", Comparison: "equals", Target: "pong"}, obs(200, "pong", http.Header{}), true, "pong", "", ""},
		{"text not_equals", A{Source: "text", Comparison: "not_equals", Target: "ping"}, obs(200, "pong", http.Header{}), true, "pong", "", ""},
		{"text matches", A{Source: "text", Comparison: "matches", Target: `^po+ng$`}, obs(200, "pooong", http.Header{}), true, "pooong", "", ""},
		{"text is_empty", A{Source: "text", Comparison: "is_empty"}, obs(204, "", http.Header{}), true, "", "", ""},
		{"text is_not_empty fails", A{Source: "text", Comparison: "is_not_empty"}, obs(204, "", http.Header{}), false, "", "empty", CodeAssertion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := assertOne(tt.a, tt.a.Target, tt.o, nil)
			if v.Passed != tt.pass {
				t.Fatalf("passed = %v; want %v (actual %q, reason %q)", v.Passed, tt.pass, v.Actual, v.Reason)
			}
			if tt.actual != "" && v.Actual != tt.actual {
				t.Errorf("actual = %q; want %q", v.Actual, tt.actual)
			}
			if !strings.Contains(v.Reason, tt.reason) || strings.Contains(v.Reason, "\n") {
				t.Errorf("reason = %q; want one line containing %q", v.Reason, tt.reason)
			}
			if !tt.pass && v.code != tt.code {
				t.Errorf("code = %q; want %q", v.code, tt.code)
			}
			if tt.a.Comparison.NeedsTarget() && v.Expected != tt.a.Target {
				t.Errorf("expected = %q; want the target %q", v.Expected, tt.a.Target)
			}
		})
	}
}

func TestCmpNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"9007199254740993", "9007199254740992", 1},
		{"9007199254740992", "9007199254740993", -1},
		{"1", "1.0", 0},
		{"1e3", "1000", 0},
		{"1E+3", "1000.000", 0},
		{"0.001", "1e-3", 0},
		{"-5", "3", -1},
		{"-5", "-3", -1},
		{"-0", "0", 0},
		{"0.0", "-0e10", 0},
		{"00012", "12", 0},
		{".5", "0.5", 0},
		{"5.", "5", 0},
		{"12.5", "12.50", 0},
		{"99", "100", -1},
		{"0.0999", "0.1", -1},
		{"1.23456789012345678901", "1.23456789012345678902", -1},
		{" 7 ", "7", 0},
		{"+7", "7", 0},
		{"0x1p4", "16", 0}, // not decimal: compared as float64
	}
	for _, tt := range tests {
		if got := cmpNumbers(tt.a, tt.b); got != tt.want {
			t.Errorf("cmpNumbers(%q, %q) = %d; want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// Every source and comparison of the language is covered by TestAssert.
func TestAssertCoversLanguage(t *testing.T) {
	t.Parallel()
	for _, s := range collection.Sources {
		for _, c := range collection.ComparisonsFor(s) {
			target := "1"
			switch c {
			case collection.Exists, collection.NotExists, collection.IsEmpty, collection.IsNotEmpty:
				target = ""
			case collection.TypeIs:
				target = "number"
			case collection.JSONSchema:
				target = `{"type":"number"}`
			}
			a := collection.Assertion{Source: s, Comparison: c, Target: target}
			if s == collection.SourceHeader {
				a.Property = "X-N"
			}
			if s == collection.SourceBody {
				a.Property = "n"
			}
			v := assertOne(a, target, obs(200, `{"n":1}`, http.Header{"X-N": {"1"}}), nil)
			if v.Reason == "" || strings.Contains(v.Reason, "unknown") {
				t.Errorf("%s %s: reason %q", s, c, v.Reason)
			}
		}
	}
}

func TestAssertTruncatesActual(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 500)
	v := assertOne(collection.Assertion{Source: "text", Comparison: "equals", Target: "x"}, "x", obs(200, long, http.Header{}), nil)
	if len(v.Actual) > maxActual+len("…") || !strings.HasSuffix(v.Actual, "…") {
		t.Errorf("actual is %d bytes (%q…); want ≤ %d and marked cut", len(v.Actual), v.Actual[:20], maxActual)
	}
}

func TestCompiledCache(t *testing.T) {
	t.Parallel()
	var c compiled
	a := collection.Assertion{Source: "text", Comparison: "matches", Target: "^a+$"}
	for range 3 {
		if v := assertOne(a, a.Target, obs(200, "aaa", http.Header{}), &c); !v.Passed {
			t.Fatalf("cached pattern: %s", v.Reason)
		}
	}
	if len(c.regexps) != 1 {
		t.Errorf("cache holds %d patterns; want 1", len(c.regexps))
	}
	s := collection.Assertion{Source: "body", Comparison: "json_schema", Target: `{"type":"object"}`}
	for range 2 {
		if v := assertOne(s, s.Target, obs(200, `{}`, nil), &c); !v.Passed {
			t.Fatalf("cached schema: %s", v.Reason)
		}
	}
	if len(c.schemas) != 1 {
		t.Errorf("cache holds %d schemas; want 1", len(c.schemas))
	}
}
