package collectionrunner

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/catena-monitor/catena/internal/collection"
)

// testScope is step 3 ("use") of a collection whose first two steps answered.
func testScope() *scope {
	c := &collection.Collection{
		Name:      "t",
		Variables: map[string]string{"base": "http://127.0.0.1:8080/api", "name": "café & co/1?", "empty": "", "echo": "@<<vars.base>>", "crlf": "a\r\nX-Evil: 1"},
		Secrets:   map[string]string{"password": `p"w\d`},
		Steps: []collection.Step{
			{Name: "login", Method: "POST", URL: "http://x/"},
			{Name: "page", Method: "GET", URL: "http://x/"},
			{Name: "use", Method: "GET", URL: "http://x/"},
			{Name: "later", Method: "GET", URL: "http://x/"},
		},
	}
	return &scope{
		c:       c,
		current: 2,
		responses: []*response{
			{
				status:    201,
				header:    http.Header{"X-Request-Id": {"req-1"}, "Content-Type": {"application/json"}},
				body:      []byte(`{"token":"abc\"def","id":42,"user":{"name":"Ann","roles":["a","b"]},"ok":true,"nothing":null,"line":"x\ny"}`),
				latencyMS: 12,
			},
			{status: 500, header: http.Header{"Content-Type": {"text/html"}}, body: []byte("<html><body>Internal error</body></html>")},
			nil,
			nil,
		},
		why: []string{"", "", "", ""},
		env: func(k string) string { return map[string]string{"HOME": "/root"}[k] },
		now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 600e6, time.UTC) },
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		tmpl     string
		at       where
		jsonBody bool
		want     string
	}{
		{"no references", "plain text", inText, false, "plain text"},
		{"variable", "@<<vars.base>>/x", inText, false, "http://127.0.0.1:8080/api/x"},
		{"secret", "pw=@<<secrets.password>>", inText, false, `pw=p"w\d`},
		{"env allowed", "@<<env.HOME>>", inText, false, "/root"},
		{"env unset is empty", "[@<<env.NOPE>>]", inText, false, "[]"},
		{"empty value", "[@<<vars.empty>>]", inText, false, "[]"},
		{"body string is its text", "@<<login.body.token>>", inText, false, `abc"def`},
		{"body number is JSON", "@<<login.body.id>>", inText, false, "42"},
		{"body bool", "@<<login.body.ok>>", inText, false, "true"},
		{"body null", "@<<login.body.nothing>>", inText, false, "null"},
		{"body object is JSON", "@<<login.body.user>>", inText, false, `{"name":"Ann","roles":["a","b"]}`},
		{"body nested path", "@<<login.body.user.name>>", inText, false, "Ann"},
		{"gjson count", "@<<login.body.user.roles.#>>", inText, false, "2"},
		{"gjson index", "@<<login.body.user.roles.1>>", inText, false, "b"},
		{"raw body", "@<<page.body>>", inText, false, "<html><body>Internal error</body></html>"},
		{"header case-insensitive", "@<<login.headers.x-request-id>>", inText, false, "req-1"},
		{"status", "@<<login.status>>", inText, false, "201"},
		{"latency", "@<<login.latency>>", inText, false, "12"},
		{"by position", "@<<step1.body.id>>", inText, false, "42"},
		{"non-JSON step status still usable", "@<<page.status>>", inText, false, "500"},
		{"single pass: inserted text is not expanded", "@<<vars.echo>>", inText, false, "@<<vars.base>>"},
		{"timestamp", "@<<$timestamp>>", inText, false, "1767323045"},
		{"iso timestamp", "@<<$isoTimestamp>>", inText, false, "2026-01-02T03:04:05.600Z"},

		{"url base at start is raw", "@<<vars.base>>/users/@<<vars.name>>", inURL, false, "http://127.0.0.1:8080/api/users/caf%C3%A9%20&%20co%2F1%3F"},
		{"url query escaped", "http://h/x?q=@<<vars.name>>&id=@<<login.body.id>>", inURL, false, "http://h/x?q=caf%C3%A9+%26+co%2F1%3F&id=42"},
		{"url fragment", "http://h/x#@<<vars.name>>", inURL, false, "http://h/x#caf%C3%A9%20&%20co%2F1%3F"},
		{"url host from reference", "http://@<<login.body.user.name>>:80/", inURL, false, "http://Ann:80/"},

		{"header", "Bearer @<<login.body.token>>", inHeader, false, `Bearer abc"def`},

		{"json body: inside a string literal is escaped", `{"t":"@<<login.body.token>>","p":"x@<<secrets.password>>"}`, inBody, true, `{"t":"abc\"def","p":"xp\"w\\d"}`},
		{"json body: newline escaped", `{"l":"@<<login.body.line>>"}`, inBody, true, `{"l":"x\ny"}`},
		{"json body: outside a string literal is JSON", `{"id":@<<login.body.id>>,"user":@<<login.body.user>>}`, inBody, true, `{"id":42,"user":{"name":"Ann","roles":["a","b"]}}`},
		{"json body: escaped quote in literal keeps state", `{"a":"x\"y","t":"@<<login.body.token>>"}`, inBody, true, `{"a":"x\"y","t":"abc\"def"}`},
		{"json body: after a closed literal", `{"a":"s", "n": @<<login.body.token>>}`, inBody, true, `{"a":"s", "n": abc"def}`},
		{"text body is not escaped", `say "@<<login.body.token>>"`, inBody, false, `say "abc"def"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := testScope().expand(tt.tmpl, tt.at, tt.jsonBody)
			if err != nil {
				t.Fatalf("expand(%q): %v", tt.tmpl, err)
			}
			if got.text != tt.want {
				t.Errorf("expand(%q)\n got %s\nwant %s", tt.tmpl, got.text, tt.want)
			}
		})
	}
}

func TestExpandBuiltins(t *testing.T) {
	t.Parallel()
	s := testScope()
	got, err := s.expand("@<<$uuid>> @<<$uuid>> @<<$randomInt>>", inText, false)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Fields(got.text)
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !uuid.MatchString(parts[0]) || !uuid.MatchString(parts[1]) || parts[0] == parts[1] {
		t.Errorf("two $uuid = %q, %q; want two different v4 UUIDs", parts[0], parts[1])
	}
	if n, ok := number(parts[2]); !ok || n < 0 || n > 1000 {
		t.Errorf("$randomInt = %q; want 0..1000", parts[2])
	}
}

func TestExpandSecretFlag(t *testing.T) {
	t.Parallel()
	s := testScope()
	got, _ := s.expand("Bearer @<<secrets.password>>", inHeader, false)
	if !got.secret {
		t.Error("a header holding a secret is not marked secret")
	}
	got, _ = s.expand("Bearer @<<login.body.token>>", inHeader, false)
	if got.secret {
		t.Error("a header without a secret is marked secret")
	}
}

func TestExpandErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tmpl string
		at   where
		code string
		msg  string // a substring the person reads
	}{
		{"unknown step", "@<<logn.body.token>>", inText, CodeInterpolationUnresolved, "unknown step 'logn' in @<<logn.body.token>>; earlier steps: login, page"},
		{"later step", "@<<later.body.x>>", inText, CodeInterpolationUnresolved, "runs later"},
		{"self reference", "@<<use.status>>", inText, CodeInterpolationUnresolved, "refers to itself"},
		{"missing path", "@<<login.body.tokn>>", inText, CodeInterpolationUnresolved, "path 'tokn' not found in login's body (top-level keys: token, id, user, ok, nothing, line)"},
		{"non-JSON body", "@<<page.body.error>>", inText, CodeBodyNotJSON, "page's body is not JSON (content-type text/html): <html><body>Internal error</body></html>"},
		{"missing header", "@<<login.headers.X-Nope>>", inText, CodeInterpolationUnresolved, "header 'X-Nope' not found in login's response (headers: content-type, x-request-id)"},
		{"unknown variable", "@<<vars.nope>>", inText, CodeInterpolationUnresolved, `unknown variable "nope" in @<<vars.nope>>; variables: base, crlf, echo, empty, name`},
		{"unknown secret", "@<<secrets.nope>>", inText, CodeInterpolationUnresolved, `unknown secret "nope" in @<<secrets.nope>>; secrets: password`},
		{"unclosed", "@<<vars.base", inText, CodeInterpolationUnresolved, "unclosed reference"},
		{"object into a URL", "http://h/@<<login.body.user>>", inURL, CodeInterpolationType, "@<<login.body.user>> is an object; an object or array cannot go into a URL"},
		{"array into a header", "@<<login.body.user.roles>>", inHeader, CodeInterpolationType, "is an array; an object or array cannot go into a header"},
		{"CR/LF into a header", "x @<<vars.crlf>>", inHeader, CodeInterpolationType, "line break or NUL"},
		{"newline from a body into a header", "@<<login.body.line>>", inHeader, CodeInterpolationType, "line break or NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := testScope().expand(tt.tmpl, tt.at, false)
			if err == nil {
				t.Fatalf("expand(%q) succeeded; want %s", tt.tmpl, tt.code)
			}
			if err.Code != tt.code || !strings.Contains(err.Msg, tt.msg) {
				t.Errorf("expand(%q) = %s: %s\nwant %s containing %q", tt.tmpl, err.Code, err.Msg, tt.code, tt.msg)
			}
		})
	}
}

func TestExpandStepWithoutResponse(t *testing.T) {
	t.Parallel()
	s := testScope()
	s.current = 3
	s.why[2] = "it was skipped"
	_, err := s.expand("@<<use.body.x>>", inText, false)
	if err == nil || err.Code != CodeInterpolationUnresolved || !strings.Contains(err.Msg, "step 'use' has no response for @<<use.body.x>>: it was skipped") {
		t.Errorf("reference to a skipped step: %v", err)
	}
}

func TestExpandEnvNotAllowed(t *testing.T) {
	t.Parallel()
	s := testScope()
	s.env = nil
	_, err := s.expand("@<<env.HOME>>", inText, false)
	if err == nil || err.Code != CodeInterpolationUnresolved || !strings.Contains(err.Msg, "does not allow") {
		t.Errorf("env without permission: %v", err)
	}
}

func TestExpandSizeCap(t *testing.T) {
	t.Parallel()
	s := testScope()
	s.c.Variables["big"] = strings.Repeat("x", 600<<10)
	_, err := s.expand("@<<vars.big>>@<<vars.big>>", inText, false)
	if err == nil || err.Code != CodeInterpolationTooLarge {
		t.Errorf("2×600 KiB: %v; want %s", err, CodeInterpolationTooLarge)
	}
}

func TestExpandDeepBody(t *testing.T) {
	t.Parallel()
	s := testScope()
	s.responses[1] = &response{status: 200, header: http.Header{}, body: []byte(strings.Repeat("[", 1<<20))}
	_, err := s.expand("@<<page.body.0>>", inText, false)
	if err == nil || err.Code != CodeBodyTooDeep || !strings.Contains(err.Msg, "page's body nests deeper than 512 levels") {
		t.Errorf("deep body: %v", err)
	}
}

func TestDepthWithin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		max  int
		want bool
	}{
		{`{"a":[1,{"b":2}]}`, 3, true},
		{`{"a":[1,{"b":2}]}`, 2, false},
		{`{"a":"[[[[[[["}`, 1, true}, // brackets inside strings do not count
		{`{"a":"\"[[["}`, 1, true},   // nor after an escaped quote
		{`[[[`, 2, false},
		{``, 0, true},
	}
	for _, tt := range tests {
		if got := depthWithin([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("depthWithin(%s, %d) = %v", tt.in, tt.max, got)
		}
	}
}

func TestURLPosition(t *testing.T) {
	t.Parallel()
	for prefix, want := range map[string]urlPos{
		"":                  posAuthority,
		"http":              posAuthority,
		"http://h":          posAuthority,
		"http://h:80/":      posPath,
		"http://h/a/b":      posPath,
		"http://h/a?x=":     posQuery,
		"http://h/a?x=1#":   posFragment,
		"http://h?x=1&y=":   posQuery,
		"https://h/a#frag?": posFragment,
	} {
		if got := urlPosition(prefix); got != want {
			t.Errorf("urlPosition(%q) = %d; want %d", prefix, got, want)
		}
	}
}

func TestLooksJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		hdr  map[string]string
		want bool
	}{
		{`{"a":1}`, nil, true},
		{` [1]`, nil, true},
		{`a=1`, nil, false},
		{`{"a":1}`, map[string]string{"content-type": "text/plain"}, false},
		{`x`, map[string]string{"Content-Type": "application/vnd.api+json"}, true},
	}
	for _, tt := range tests {
		if got := looksJSON(tt.body, tt.hdr); got != tt.want {
			t.Errorf("looksJSON(%q, %v) = %v", tt.body, tt.hdr, got)
		}
	}
}

// FuzzInterpolate inserts hostile values in every context and checks the
// promises: no panic, headers never carry a line break, a JSON string literal
// stays one literal, URL insertions never add a structural character.
func FuzzInterpolate(f *testing.F) {
	for _, seed := range []string{
		"plain", "a\r\nX-Injected: 1", "\x00", `"}],"admin":true,{"`, "@<<vars.v>>", "@<<", ">>",
		"café ✓ \u202e", "../../etc/passwd", "?x=1&y=2#f", "\\", "\xff\xfe", strings.Repeat("{", 100),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s := testScope()
		s.c.Variables["v"] = v
		if h, err := s.expand("X @<<vars.v>>", inHeader, false); err == nil && strings.ContainsAny(h.text, "\r\n\x00") {
			t.Fatalf("header value %q carries a line break or NUL", h.text)
		}
		if u, err := s.expand("http://h/p/@<<vars.v>>?q=@<<vars.v>>", inURL, false); err == nil {
			path, query, _ := strings.Cut(u.text, "?")
			if strings.Contains(query, "?") || strings.Contains(u.text, "#") || strings.Count(path, "/") != 4 ||
				strings.ContainsAny(query[2:], "&=") || strings.ContainsAny(u.text, " \r\n\x00") {
				t.Fatalf("URL %q: an inserted value changed its structure", u.text)
			}
		}
		b, err := s.expand(`{"k":"@<<vars.v>>"}`, inBody, true)
		if err != nil {
			t.Fatalf("body: %v", err)
		}
		if !utf8.ValidString(b.text) || !jsonStringObject(b.text) {
			t.Fatalf("JSON body %q is no longer one object with one string", b.text)
		}
		if x, err := s.expand("@<<vars.v>>", inText, false); err != nil || x.text != v {
			t.Fatalf("text insertion changed %q to %q (%v)", v, x.text, err)
		}
	})
}

// jsonStringObject reports whether s is {"k":"…"} with one valid string value.
func jsonStringObject(s string) bool {
	inner, ok := strings.CutPrefix(s, `{"k":"`)
	if !ok {
		return false
	}
	inner, ok = strings.CutSuffix(inner, `"}`)
	if !ok {
		return false
	}
	for i := 0; i < len(inner); i++ {
		switch c := inner[i]; {
		case c == '\\':
			i++
		case c == '"' || c < 0x20:
			return false
		}
	}
	return true
}
