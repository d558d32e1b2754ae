package collection

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// validCollection is a small collection that passes validation; each case in
// TestValidate breaks one thing in it.
func validCollection() *Collection {
	return &Collection{
		Name:      "checkout",
		Variables: map[string]string{"base": "http://127.0.0.1:8080"},
		Steps: []Step{
			{
				Name:    "login",
				Method:  "POST",
				URL:     "@<<vars.base>>/login",
				Headers: map[string]string{"Content-Type": "application/json"},
				Body:    `{"user": "demo"}`,
				Assertions: []Assertion{
					{Source: SourceStatus, Comparison: Equals, Target: "200"},
					{Source: SourceBody, Property: "token", Comparison: Exists},
				},
			},
			{
				Name:    "me",
				Method:  "GET",
				URL:     "http://127.0.0.1:8080/users/me",
				Headers: map[string]string{"Authorization": "Bearer @<<login.body.token>>"},
				Assertions: []Assertion{
					{Source: SourceHeader, Property: "Content-Type", Comparison: Contains, Target: "json"},
				},
			},
		},
	}
}

func TestValidCollectionIsValid(t *testing.T) {
	t.Parallel()
	c := validCollection()
	if err := c.Validate(); err != nil {
		t.Fatalf("the base collection of the table tests must be valid: %v", err)
	}
	if err := c.RequireSteps(); err != nil {
		t.Fatal(err)
	}
}

// TestValidate checks that each bad input is rejected with one message that
// names the step and the field, and says what is wrong with the value.
func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(c *Collection)
		path   string // the field
		step   string // the step it belongs to ("" for collection fields)
		msg    string // a part of the message
	}{
		// Names.
		{"collection without name", func(c *Collection) { c.Name = "" }, "name", "", "a collection needs a name"},
		{"collection name too long", func(c *Collection) { c.Name = strings.Repeat("n", MaxNameLen+1) }, "name", "", "name is 201 characters long; at most 200"},
		{"variable name with space", func(c *Collection) { c.Variables["my var"] = "x" }, "variables.my var", "", `variable name "my var" may hold only letters, digits, _ and -`},
		{"step without name", func(c *Collection) { c.Steps[1].Name = "" }, "steps[1].name", "step2", "a step needs a name"},
		{"step name starts with digit", func(c *Collection) { c.Steps[1].Name = "2fa" }, "steps[1].name", "2fa", `name "2fa" must start with a letter or _`},
		{"step name with space", func(c *Collection) { c.Steps[1].Name = "get me" }, "steps[1].name", "get me", `name "get me" must start with a letter or _ and hold only letters, digits, _ and -`},
		{"step name with dot", func(c *Collection) { c.Steps[1].Name = "me.v2" }, "steps[1].name", "me.v2", `name "me.v2" must start`},
		{"step name starts with dash", func(c *Collection) { c.Steps[1].Name = "-me" }, "steps[1].name", "-me", `name "-me" must start`},
		{"step name not ASCII", func(c *Collection) { c.Steps[1].Name = "café" }, "steps[1].name", "café", `name "café" must start`},
		{"step name too long", func(c *Collection) { c.Steps[1].Name = "s" + strings.Repeat("x", MaxNameLen) }, "steps[1].name", "s" + strings.Repeat("x", MaxNameLen), "name is 201 characters long; at most 200"},
		{"step named vars", func(c *Collection) { c.Steps[1].Name = "vars" }, "steps[1].name", "vars", `name "vars" is reserved (@<<vars.NAME>> means something else)`},
		{"step named env", func(c *Collection) { c.Steps[1].Name = "env" }, "steps[1].name", "env", `name "env" is reserved`},
		{"duplicate step name", func(c *Collection) { c.Steps[1].Name = "login"; c.Steps[1].Headers = nil }, "steps[1].name", "login", `a step named "login" already exists (step 1); step names must be unique`},
		{"too many steps", func(c *Collection) {
			for i := len(c.Steps); i <= MaxSteps; i++ {
				c.Steps = append(c.Steps, Step{Name: fmt.Sprintf("s%d", i), Method: "GET", URL: "http://127.0.0.1/"})
			}
		}, "steps", "", "51 steps; a collection holds at most 50"},

		// Methods (after Normalize, as every caller does).
		{"method CONNECT", func(c *Collection) { c.Steps[1].Method = "CONNECT" }, "steps[1].method", "me", `method "CONNECT" is not supported; use one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS`},
		{"method TRACE", func(c *Collection) { c.Steps[1].Method = "trace" }, "steps[1].method", "me", `method "TRACE" is not supported`},
		{"method with space", func(c *Collection) { c.Steps[1].Method = "GE T" }, "steps[1].method", "me", `method "GE T" is not supported`},
		{"method custom token", func(c *Collection) { c.Steps[1].Method = "PURGE" }, "steps[1].method", "me", `method "PURGE" is not supported`},

		// URLs.
		{"url empty", func(c *Collection) { c.Steps[1].URL = "" }, "steps[1].url", "me", "a step needs a URL"},
		{"url without scheme", func(c *Collection) { c.Steps[1].URL = "example.com/x" }, "steps[1].url", "me", `URL "example.com/x" has no scheme; start it with http:// or https://`},
		{"url host:port without scheme", func(c *Collection) { c.Steps[1].URL = "localhost:8080/x" }, "steps[1].url", "me", `URL "localhost:8080/x" has no scheme`},
		{"url file scheme", func(c *Collection) { c.Steps[1].URL = "file:///etc/passwd" }, "steps[1].url", "me", `uses scheme "file"; only http and https are allowed`},
		{"url ftp scheme", func(c *Collection) { c.Steps[1].URL = "ftp://127.0.0.1/x" }, "steps[1].url", "me", `uses scheme "ftp"`},
		{"url gopher scheme", func(c *Collection) { c.Steps[1].URL = "gopher://127.0.0.1/x" }, "steps[1].url", "me", `uses scheme "gopher"`},
		{"url ws scheme", func(c *Collection) { c.Steps[1].URL = "ws://127.0.0.1/x" }, "steps[1].url", "me", `uses scheme "ws"`},
		{"url with userinfo", func(c *Collection) { c.Steps[1].URL = "https://admin:hunter2@127.0.0.1/x" }, "steps[1].url", "me", "carries a user name or password; put credentials in a header with a secret instead"},
		{"url leading space", func(c *Collection) { c.Steps[1].URL = " http://127.0.0.1/x" }, "steps[1].url", "me", "has leading or trailing spaces"},
		{"url trailing newline", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1/x\n" }, "steps[1].url", "me", "has leading or trailing spaces"},
		{"url inner space", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1/a b" }, "steps[1].url", "me", `contains a space; write it as %20`},
		{"url with IPv6 zone", func(c *Collection) { c.Steps[1].URL = "http://[fe80::1%25eth0]:8080/x" }, "steps[1].url", "me", "has an IPv6 zone (%eth0)"},
		{"url control char", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1/a\x7fb" }, "steps[1].url", "me", "contains a control character"},
		{"url NUL", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1/a\x00b" }, "steps[1].url", "me", "contains a NUL byte"},
		{"url not UTF-8", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1/a\xffb" }, "steps[1].url", "me", "contains bytes that are not valid UTF-8"},
		{"url port 0", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1:0/x" }, "steps[1].url", "me", "has port 0; a port is 1-65535"},
		{"url port 65536", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1:65536/x" }, "steps[1].url", "me", "has port 65536; a port is 1-65535"},
		{"url port 99999999", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1:99999999/x" }, "steps[1].url", "me", "has port 99999999"},
		{"url port not a number", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1:http/x" }, "steps[1].url", "me", `cannot be parsed: invalid port ":http" after host`},
		{"url without host", func(c *Collection) { c.Steps[1].URL = "http:///x" }, "steps[1].url", "me", "has no host"},
		{"url too long", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1/" + strings.Repeat("a", MaxURLLen) }, "steps[1].url", "me", "URL is 8209 characters; at most 8192"},
		{"url 100 KiB", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1/" + strings.Repeat("a", 100<<10) }, "steps[1].url", "me", "at most 8192"},

		// Headers.
		{"header name with space", func(c *Collection) { c.Steps[1].Headers["Bad Name"] = "x" }, "steps[1].headers.Bad Name", "me", `header name "Bad Name" is not valid`},
		{"header name with colon", func(c *Collection) { c.Steps[1].Headers["X-A:"] = "x" }, "steps[1].headers.X-A:", "me", `header name "X-A:" is not valid`},
		{"header name empty", func(c *Collection) { c.Steps[1].Headers[""] = "x" }, "steps[1].headers.", "me", `header name "" is not valid`},
		{"header name not ASCII", func(c *Collection) { c.Steps[1].Headers["X-Café"] = "x" }, "steps[1].headers.X-Café", "me", `header name "X-Café" is not valid`},
		{"header value CR LF", func(c *Collection) { c.Steps[1].Headers["X-A"] = "a\r\nX-Injected: 1" }, "steps[1].headers.X-A", "me", `header "X-A" value contains a line break or NUL`},
		{"header value LF", func(c *Collection) { c.Steps[1].Headers["X-A"] = "a\nb" }, "steps[1].headers.X-A", "me", "contains a line break"},
		{"header value NUL", func(c *Collection) { c.Steps[1].Headers["X-A"] = "a\x00b" }, "steps[1].headers.X-A", "me", "contains a line break or NUL"},
		{"header Connection", func(c *Collection) { c.Steps[1].Headers["Connection"] = "close" }, "steps[1].headers.Connection", "me", `header "Connection" is managed by the HTTP client and cannot be set`},
		{"header Transfer-Encoding", func(c *Collection) { c.Steps[1].Headers["transfer-encoding"] = "chunked" }, "steps[1].headers.transfer-encoding", "me", "is managed by the HTTP client"},
		{"header Content-Length", func(c *Collection) { c.Steps[1].Headers["Content-Length"] = "5" }, "steps[1].headers.Content-Length", "me", "is managed by the HTTP client"},
		{"header Keep-Alive", func(c *Collection) { c.Steps[1].Headers["Keep-Alive"] = "timeout=5" }, "steps[1].headers.Keep-Alive", "me", "is managed by the HTTP client"},
		{"headers too big", func(c *Collection) { c.Steps[1].Headers["X-Big"] = strings.Repeat("b", MaxHeadersBytes) }, "steps[1].headers", "me", "at most 65536"},

		// Body, timeout, retry.
		{"body too big", func(c *Collection) { c.Steps[0].Body = strings.Repeat("b", MaxBodyBytes+1) }, "steps[0].body", "login", "body is 1048577 bytes; at most 1048576"},
		{"body not UTF-8", func(c *Collection) { c.Steps[0].Body = "\xff\xfe binary" }, "steps[0].body", "login", "contains bytes that are not valid UTF-8; only text can be stored"},
		{"body with NUL", func(c *Collection) { c.Steps[0].Body = `{"a": "\u0000"}` + "\x00" }, "steps[0].body", "login", "contains a NUL byte"},
		{"variable value with NUL", func(c *Collection) { c.Variables["base"] = "http://127.0.0.1\x00" }, "variables.base", "", "contains a NUL byte"},
		{"variable value too big", func(c *Collection) { c.Variables["big"] = strings.Repeat("v", MaxBodyBytes+1) }, "variables.big", "", "value is 1048577 bytes; at most 1048576"},
		{"target not UTF-8", func(c *Collection) { c.Steps[1].Assertions[0].Target = "\xc3" }, "steps[1].assertions[0].target", "me", "not valid UTF-8"},
		{"header value not UTF-8", func(c *Collection) { c.Steps[1].Headers["X-A"] = "\xc3(" }, "steps[1].headers.X-A", "me", "not valid UTF-8"},
		{"timeout negative", func(c *Collection) { c.Steps[1].Timeout = Duration(-time.Second) }, "steps[1].timeout", "me", "timeout -1s must be between 1ms and 5m0s"},
		{"timeout too long", func(c *Collection) { c.Steps[1].Timeout = Duration(6 * time.Minute) }, "steps[1].timeout", "me", "timeout 6m0s must be between 1ms and 5m0s"},
		{"retry zero attempts", func(c *Collection) { c.Steps[1].Retry = &Retry{Attempts: 0, Interval: Duration(time.Second)} }, "steps[1].retry.attempts", "me", "retry attempts 0 must be between 1 and 100"},
		{"retry too many attempts", func(c *Collection) { c.Steps[1].Retry = &Retry{Attempts: 101} }, "steps[1].retry.attempts", "me", "retry attempts 101 must be between 1 and 100"},
		{"retry negative interval", func(c *Collection) { c.Steps[1].Retry = &Retry{Attempts: 2, Interval: Duration(-time.Second)} }, "steps[1].retry.interval", "me", "retry interval -1s must be between 0s and 5m0s"},
		{"retry interval too long", func(c *Collection) { c.Steps[1].Retry = &Retry{Attempts: 2, Interval: Duration(time.Hour)} }, "steps[1].retry.interval", "me", "retry interval 1h0m0s must be between 0s and 5m0s"},

		// Assertions.
		{"too many assertions", func(c *Collection) {
			for range MaxAssertions {
				c.Steps[1].Assertions = append(c.Steps[1].Assertions, Assertion{Source: SourceStatus, Comparison: Equals, Target: "200"})
			}
		}, "steps[1].assertions", "me", "101 assertions; at most 100"},
		{"unknown source", func(c *Collection) { c.Steps[1].Assertions[0].Source = "cookie" }, "steps[1].assertions[0].source", "me", `source "cookie" is not one of status, latency, header, body, text`},
		{"unknown comparison", func(c *Collection) { c.Steps[1].Assertions[0].Comparison = "approx" }, "steps[1].assertions[0].comparison", "me", `comparison "approx" does not exist; use one of equals`},
		{"comparison not for status", func(c *Collection) {
			c.Steps[0].Assertions[0] = Assertion{Source: SourceStatus, Comparison: Contains, Target: "2"}
		}, "steps[0].assertions[0].comparison", "login", `comparison "contains" cannot be used with source status; use one of equals, not_equals, greater_than, greater_or_equal, less_than, less_or_equal, matches`},
		{"comparison not for latency", func(c *Collection) {
			c.Steps[0].Assertions[0] = Assertion{Source: SourceLatency, Comparison: Exists}
		}, "steps[0].assertions[0].comparison", "login", `comparison "exists" cannot be used with source latency`},
		{"comparison not for text", func(c *Collection) {
			c.Steps[0].Assertions[0] = Assertion{Source: SourceText, Comparison: JSONSchema, Target: "{}"}
		}, "steps[0].assertions[0].comparison", "login", `comparison "json_schema" cannot be used with source text`},
		{"header without property", func(c *Collection) { c.Steps[1].Assertions[0].Property = " " }, "steps[1].assertions[0].property", "me", "a header assertion needs the header name in property"},
		{"status with property", func(c *Collection) { c.Steps[0].Assertions[0].Property = "code" }, "steps[0].assertions[0].property", "login", `source status takes no property (found "code")`},
		{"missing target", func(c *Collection) { c.Steps[1].Assertions[0].Target = "" }, "steps[1].assertions[0].target", "me", "comparison contains needs a target value"},
		{"missing status target", func(c *Collection) { c.Steps[0].Assertions[0].Target = "" }, "steps[0].assertions[0].target", "login", "comparison equals needs a target value"},
		{"unexpected target", func(c *Collection) { c.Steps[0].Assertions[1].Target = "yes" }, "steps[0].assertions[1].target", "login", `comparison exists takes no target (found "yes")`},
		{"invalid regex", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceText, Comparison: Matches, Target: "ok("}
		}, "steps[1].assertions[0].target", "me", `invalid regular expression "ok(": missing closing ): `},
		{"regex with Perl lookahead", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceBody, Property: "id", Comparison: Matches, Target: `(?=x)`}
		}, "steps[1].assertions[0].target", "me", "invalid regular expression"},
		{"regex too long", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceText, Comparison: Matches, Target: strings.Repeat("a", MaxPatternLen+1)}
		}, "steps[1].assertions[0].target", "me", "pattern is 1001 characters; at most 1000"},
		{"bad type_is", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceBody, Property: "id", Comparison: TypeIs, Target: "integer"}
		}, "steps[1].assertions[0].target", "me", `type "integer" is not one of string, number, boolean, object, array, null`},
		{"json schema not JSON", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceBody, Comparison: JSONSchema, Target: `{"type": "object"`}
		}, "steps[1].assertions[0].target", "me", "the JSON Schema is not valid JSON"},
		{"json schema a number", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceBody, Comparison: JSONSchema, Target: `42`}
		}, "steps[1].assertions[0].target", "me", "a JSON Schema is an object (or true/false), not 42"},
		{"json schema external ref", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceBody, Comparison: JSONSchema, Target: `{"properties": {"a": {"$ref": "https://schemas.example/a.json"}}}`}
		}, "steps[1].assertions[0].target", "me", `external $ref "https://schemas.example/a.json" at #/properties/a/$ref`},
		{"json schema file ref", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceBody, Comparison: JSONSchema, Target: `{"allOf": [{"$ref": "file:///etc/passwd"}]}`}
		}, "steps[1].assertions[0].target", "me", `external $ref "file:///etc/passwd" at #/allOf/0/$ref`},
		{"json schema unknown meta-schema", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceBody, Comparison: JSONSchema, Target: `{"$schema": "https://evil.example/s"}`}
		}, "steps[1].assertions[0].target", "me", `meta-schema "https://evil.example/s"`},
		{"variable refers to a variable", func(c *Collection) { c.Variables["url"] = "@<<vars.base>>/x" }, "variables.url", "", "@<<vars.base>> in a variable's value would be sent as literal text"},
		{"variable refers to a step", func(c *Collection) { c.Variables["tok"] = "@<<login.body.token>>" }, "variables.tok", "", "would be sent as literal text"},
		{"latency not a number", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceLatency, Comparison: LessThan, Target: "fast"}
		}, "steps[1].assertions[0].target", "me", `latency compares numbers; "fast" is not a number`},
		{"latency with unit", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceLatency, Comparison: LessThan, Target: "500ms"}
		}, "steps[1].assertions[0].target", "me", `"500ms" is not a number`},
		{"status not a number", func(c *Collection) { c.Steps[0].Assertions[0].Target = "2xx" }, "steps[0].assertions[0].target", "login", `status compares numbers; "2xx" is not a number`},
		{"body greater_than not a number", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceBody, Property: "n", Comparison: GreaterThan, Target: "many"}
		}, "steps[1].assertions[0].target", "me", `greater_than compares numbers; "many" is not a number`},
		{"target refers to later step", func(c *Collection) { c.Steps[0].Assertions[0].Target = "@<<me.status>>" }, "steps[0].assertions[0].target", "login", "step 1 refers to step 2 ('me'), which runs later"},

		// References.
		{"unknown step", func(c *Collection) { c.Steps[1].Headers["Authorization"] = "Bearer @<<logn.body.token>>" }, "steps[1].headers.Authorization", "me", "unknown step 'logn' in @<<logn.body.token>>; earlier steps: login"},
		{"unknown step in first step", func(c *Collection) { c.Steps[0].URL = "http://127.0.0.1/@<<setup.status>>" }, "steps[0].url", "login", "unknown step 'setup' in @<<setup.status>>; earlier steps: none"},
		{"unknown step position", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1/@<<step9.status>>" }, "steps[1].url", "me", "unknown step 'step9'"},
		{"later step", func(c *Collection) { c.Steps[0].Body = `{"id": "@<<me.body.id>>"}` }, "steps[0].body", "login", "step 1 refers to step 2 ('me'), which runs later, in @<<me.body.id>>; earlier steps: none"},
		{"later step by position", func(c *Collection) { c.Steps[0].Body = `@<<step2.body>>` }, "steps[0].body", "login", "step 1 refers to step 2 ('me'), which runs later"},
		{"self reference", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1/@<<me.body.id>>" }, "steps[1].url", "me", "step 'me' refers to itself in @<<me.body.id>>; a reference can only use earlier steps"},
		{"self reference by position", func(c *Collection) { c.Steps[1].Body = "@<<step2.status>>" }, "steps[1].body", "me", "step 'step2' refers to itself"},
		{"unknown variable", func(c *Collection) { c.Steps[1].URL = "@<<vars.host>>/me" }, "steps[1].url", "me", `unknown variable "host" in @<<vars.host>>; variables: base`},
		{"unknown variable none defined", func(c *Collection) { c.Variables = nil }, "steps[0].url", "login", `unknown variable "base" in @<<vars.base>>; variables: none`},
		{"unknown secret", func(c *Collection) {
			c.Secrets = map[string]string{"token": "t0ps3cret"}
			c.Steps[0].Body = `{"password": "@<<secrets.password>>"}`
		}, "steps[0].body", "login", `unknown secret "password" in @<<secrets.password>>; secrets: token`},
		{"unclosed reference", func(c *Collection) { c.Steps[1].Headers["Authorization"] = "Bearer @<<login.body.token" }, "steps[1].headers.Authorization", "me", `unclosed reference "@<<login.body.token": add ">>" at its end`},
		{"bad built-in", func(c *Collection) { c.Steps[0].Body = `{"at": "@<<$now>>"}` }, "steps[0].body", "login", `unknown built-in "$now"; built-ins: $uuid, $timestamp, $isoTimestamp, $randomInt in @<<$now>>`},
		{"empty reference", func(c *Collection) { c.Steps[0].Body = "@<<>>" }, "steps[0].body", "login", "empty reference in @<<>>"},
		{"step without part", func(c *Collection) { c.Steps[1].Body = "@<<login>>" }, "steps[1].body", "me", `reference to step "login" needs a part: body, headers.NAME, status or latency`},
		{"unknown part", func(c *Collection) { c.Steps[1].Body = "@<<login.cookies.sid>>" }, "steps[1].body", "me", `unknown part "cookies" of step "login"`},
		{"headers without name", func(c *Collection) { c.Steps[1].Body = "@<<login.headers>>" }, "steps[1].body", "me", "headers needs a header name: write login.headers.NAME"},
		{"status with field", func(c *Collection) { c.Steps[1].Body = "@<<login.status.code>>" }, "steps[1].body", "me", `status has no fields (found "code" after it)`},
		{"vars without name", func(c *Collection) { c.Steps[1].Body = "@<<vars>>" }, "steps[1].body", "me", "vars needs a name: write vars.NAME"},
		{"not a reference head", func(c *Collection) { c.Steps[1].Body = "@<<9lives.status>>" }, "steps[1].body", "me", `"9lives" is not a step name, vars, secrets, env or a built-in`},
		{"nested reference", func(c *Collection) { c.Steps[1].Body = "@<<login.body.@<<vars.base>>>>" }, "steps[1].body", "me", "references cannot be nested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := validCollection()
			tt.change(c)
			c.Normalize()
			err := c.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a *ValidationError", err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("a ValidationError should match ErrInvalid")
			}
			if len(ve.Fields) != 1 {
				t.Errorf("want exactly one problem, got %d: %v", len(ve.Fields), err)
			}
			f := ve.Fields[0]
			if f.Path != tt.path || f.Step != tt.step || !strings.Contains(f.Message, tt.msg) {
				t.Errorf("got  %#v\nwant path %q step %q message containing %q", f, tt.path, tt.step, tt.msg)
			}
			if tt.step != "" && !strings.HasPrefix(f.Error(), fmt.Sprintf("step %q: %s: ", tt.step, tt.path)) {
				t.Errorf("Error() = %q should name the step and the field", f.Error())
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "t0ps3cret") {
				t.Errorf("the message leaks a credential: %v", err)
			}
		})
	}
}

// TestValidateAccepts lists inputs that look unusual but are fine.
func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(c *Collection)
	}{
		{"lowercase method normalised", func(c *Collection) { c.Steps[1].Method = " get " }},
		{"empty method defaults to GET", func(c *Collection) { c.Steps[1].Method = "" }},
		{"every allowed method", func(c *Collection) {
			for _, m := range Methods {
				c.Steps = append(c.Steps, Step{Name: "m_" + m, Method: m, URL: "https://127.0.0.1/"})
			}
		}},
		{"step names at the edges of the grammar", func(c *Collection) {
			c.Steps[1].Name = "_a-1_B"
			c.Steps = append(c.Steps, Step{Name: strings.Repeat("z", MaxNameLen), URL: "http://127.0.0.1/"})
		}},
		{"https with port 65535", func(c *Collection) { c.Steps[1].URL = "https://127.0.0.1:65535/x?q=1#f" }},
		{"IDN host", func(c *Collection) { c.Steps[1].URL = "http://bücher.example/katalog" }},
		{"scheme and host from a variable", func(c *Collection) { c.Steps[1].URL = "@<<vars.base>>/me" }},
		{"port from a variable", func(c *Collection) {
			c.Variables["port"] = "8080"
			c.Steps[1].URL = "http://127.0.0.1:@<<vars.port>>/me"
		}},
		{"host from a variable", func(c *Collection) { c.Steps[1].URL = "http://@<<vars.base>>/me" }},
		{"url at the length cap", func(c *Collection) { c.Steps[1].URL = "http://127.0.0.1/" + strings.Repeat("a", MaxURLLen-17) }},
		{"Host header allowed", func(c *Collection) { c.Steps[1].Headers["Host"] = "api.internal" }},
		{"header with every token character", func(c *Collection) { c.Steps[1].Headers["X-!#$%&'*+-.^_`|~1"] = "v" }},
		{"body at the cap", func(c *Collection) { c.Steps[0].Body = strings.Repeat("b", MaxBodyBytes) }},
		{"GET with a body", func(c *Collection) { c.Steps[1].Body = `{"q": 1}` }},
		{"timeout zero means default", func(c *Collection) { c.Steps[1].Timeout = 0 }},
		{"timeout at the cap", func(c *Collection) { c.Steps[1].Timeout = Duration(MaxTimeout) }},
		{"retry at the caps", func(c *Collection) {
			c.Steps[1].Retry = &Retry{Attempts: MaxRetryAttempts, Interval: Duration(MaxRetryInterval)}
		}},
		{"retry with zero interval", func(c *Collection) { c.Steps[1].Retry = &Retry{Attempts: 1} }},
		{"reference by position", func(c *Collection) { c.Steps[1].Headers["Authorization"] = "Bearer @<<step1.body.token>>" }},
		{"references of every kind", func(c *Collection) {
			c.Steps[1].Body = `{"a": "@<<login.body>>", "b": "@<<login.headers.X-Id>>", "c": @<<login.status>>, "d": @<<login.latency>>, ` +
				`"e": "@<< env.HOME >>", "f": "@<<$uuid>>", "g": @<<$timestamp>>, "h": "@<<$isoTimestamp>>", "i": @<<$randomInt>>}`
		}},
		{"secrets unchecked when unknown", func(c *Collection) { c.Steps[0].Body = `{"password": "@<<secrets.password>>"}` }},
		{"known secret", func(c *Collection) {
			c.Secrets = map[string]string{"password": "x"}
			c.Steps[0].Body = `{"password": "@<<secrets.password>>"}`
		}},
		{"status matches", func(c *Collection) {
			c.Steps[0].Assertions[0] = Assertion{Source: SourceStatus, Comparison: Matches, Target: "^2..$"}
		}},
		{"numeric target with spaces", func(c *Collection) { c.Steps[0].Assertions[0].Target = " 200 " }},
		{"target from a reference", func(c *Collection) {
			c.Steps[1].Assertions = append(c.Steps[1].Assertions, Assertion{Source: SourceLatency, Comparison: LessThan, Target: "@<<login.latency>>"})
		}},
		{"json schema internal ref and known draft", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceBody, Comparison: JSONSchema, Target: `{"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {"id": {"type": "integer"}}, "properties": {"id": {"$ref": "#/$defs/id"}}}`}
		}},
		{"url with IPv6 literal, no zone", func(c *Collection) { c.Steps[1].URL = "http://[::1]:8080/x" }},
		{"json schema true", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceBody, Comparison: JSONSchema, Target: " true "}
		}},
		{"every comparison on body", func(c *Collection) {
			targets := map[Comparison]string{Matches: "x", TypeIs: "array", JSONSchema: `{"type":"array"}`, GreaterThan: "1", GreaterOrEqual: "1", LessThan: "1", LessOrEqual: "1"}
			for _, cmp := range Comparisons {
				tgt, ok := targets[cmp]
				if !ok && cmp.NeedsTarget() {
					tgt = "v"
				}
				c.Steps[1].Assertions = append(c.Steps[1].Assertions, Assertion{Source: SourceBody, Property: "items", Comparison: cmp, Target: tgt})
			}
		}},
		{"header compared as number", func(c *Collection) {
			c.Steps[1].Assertions[0] = Assertion{Source: SourceHeader, Property: "X-Count", Comparison: GreaterThan, Target: "3"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := validCollection()
			tt.change(c)
			c.Normalize()
			if err := c.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	c := &Collection{Name: "  spaced  ", Steps: []Step{{Name: " a ", Method: "patch"}, {Name: "b"}}}
	c.Normalize()
	if c.Name != "spaced" || c.Steps[0].Name != "a" || c.Steps[0].Method != "PATCH" || c.Steps[1].Method != "GET" {
		t.Errorf("Normalize gave %+v", c)
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	c := validCollection()
	c.Name = ""
	c.Steps[0].Method = "BREW"
	c.Steps[1].URL = "file:///etc/passwd"
	c.Steps[1].Assertions[0].Source = "cookie"
	err := c.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	var paths []string
	for _, f := range ve.Fields {
		paths = append(paths, f.Path)
	}
	want := []string{"name", "steps[0].method", "steps[1].url", "steps[1].assertions[0].source"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("paths = %v, want %v", paths, want)
	}
	if n := strings.Count(err.Error(), "; "); n < 3 {
		t.Errorf("Error() should join every problem: %q", err)
	}
}

// A cycle of variables is named as one, on each variable of it.
func TestValidateVariableCycle(t *testing.T) {
	t.Parallel()
	c := validCollection()
	c.Variables["A"] = "@<<vars.B>>"
	c.Variables["B"] = "x-@<<vars.A>>"
	var ve *ValidationError
	if err := c.Validate(); !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v; want a *ValidationError", err)
	}
	want := map[string]string{"variables.A": "cycle (A → B → A)", "variables.B": "cycle (B → A → B)"}
	if len(ve.Fields) != len(want) {
		t.Fatalf("%d problems; want %d: %v", len(ve.Fields), len(want), ve)
	}
	for _, f := range ve.Fields {
		if !strings.Contains(f.Message, want[f.Path]) {
			t.Errorf("%s: %q; want it to contain %q", f.Path, f.Message, want[f.Path])
		}
	}
}

func TestValidateStep(t *testing.T) {
	t.Parallel()
	c := validCollection()
	c.Steps[1].Headers["Authorization"] = "Bearer @<<logn.body.token>>"
	if err := c.ValidateStep(0); err != nil {
		t.Errorf("step 0 is fine: %v", err)
	}
	err := c.ValidateStep(1)
	if err == nil || err.Error() != `step "me": steps[1].headers.Authorization: unknown step 'logn' in @<<logn.body.token>>; earlier steps: login` {
		t.Errorf("ValidateStep(1) = %v", err)
	}
}

func TestRequireSteps(t *testing.T) {
	t.Parallel()
	c := &Collection{Name: "draft"}
	if err := c.Validate(); err != nil {
		t.Errorf("a draft without steps is valid: %v", err)
	}
	err := c.RequireSteps()
	if !errors.Is(err, ErrInvalid) || err.Error() != "steps: a collection needs at least one step" {
		t.Errorf("RequireSteps = %v", err)
	}
}

func TestUnresolvableReason(t *testing.T) {
	t.Parallel()
	c := validCollection()
	ref, err := ParseReference("logn.body.token")
	if err != nil {
		t.Fatal(err)
	}
	ref.Raw = "@<<logn.body.token>>"
	if got := c.UnresolvableReason(1, ref); got != "unknown step 'logn' in @<<logn.body.token>>; earlier steps: login" {
		t.Errorf("got %q", got)
	}
	ok, _ := ParseReference("login.status")
	if got := c.UnresolvableReason(1, ok); got != "" {
		t.Errorf("a resolvable reference got %q", got)
	}
}

func TestURLProblem(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ url, want string }{
		{"https://api.example.test/v1?x=1", ""},
		{"http://127.0.0.1:8080", ""},
		{"mailto:ops@example.test", `uses scheme "mailto"`},
		{"//127.0.0.1/x", "has no scheme"},
		{"http://u:secret@127.0.0.1:bad/", "cannot be parsed"},
	} {
		got := URLProblem(tt.url)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("URLProblem(%q) = %q, want %q", tt.url, got, tt.want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("URLProblem(%q) leaks the password: %q", tt.url, got)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	err := Invalid("schedule", "schedule %q is not valid", "every 0s")
	if !errors.Is(err, ErrInvalid) || err.Error() != `schedule: schedule "every 0s" is not valid` {
		t.Errorf("Invalid = %v", err)
	}
	var conflict error = &ConflictError{Field: "steps[1].name", Message: "a step named 'login' already exists in this collection"}
	if !errors.Is(fmt.Errorf("adding step: %w", conflict), ErrConflict) || errors.Is(conflict, ErrInvalid) {
		t.Errorf("ConflictError should match ErrConflict only")
	}
	if conflict.Error() != "a step named 'login' already exists in this collection" {
		t.Errorf("ConflictError.Error() = %q", conflict)
	}
	if got := (FieldError{Message: "whole input"}).Error(); got != "whole input" {
		t.Errorf("FieldError without path = %q", got)
	}
	if (&ValidationError{}).err() != nil {
		t.Errorf("an empty ValidationError must be a nil error")
	}
}

func TestComparisons(t *testing.T) {
	t.Parallel()
	for _, s := range Sources {
		if len(ComparisonsFor(s)) == 0 {
			t.Errorf("source %s accepts no comparison", s)
		}
		for _, c := range ComparisonsFor(s) {
			if !slices.Contains(Comparisons, c) {
				t.Errorf("source %s lists unknown comparison %s", s, c)
			}
		}
	}
	if ComparisonsFor("cookie") != nil {
		t.Errorf("an unknown source has no comparisons")
	}
	if Exists.NeedsTarget() || !Equals.NeedsTarget() || !LessThan.Numeric() || Contains.Numeric() {
		t.Errorf("NeedsTarget/Numeric disagree with the docs")
	}
}
