package collectionrunner

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/tidwall/gjson"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/catena-monitor/catena/internal/collection"
)

// maxActual caps the actual value kept in an assertion result.
const maxActual = 200

// Codes a failed assertion gives its step.
const (
	CodeAssertion    = "assertion_failed"
	CodeEmptyBody    = "empty_body"
	CodeTypeMismatch = "type_mismatch"
	CodeNoMatch      = "path_matched_nothing"
	CodeBadPattern   = "invalid_pattern"
	CodeBadSchema    = "invalid_schema"
)

// observed is what an assertion looks at: one response to one request.
type observed struct {
	resp *response
	head bool // the request was HEAD, so no body was expected
}

// verdict is one assertion's result plus the code it gives a failed step.
type verdict struct {
	collection.AssertionResult
	code string
}

// compiled memoises user patterns and schemas so a monitor that runs every
// few seconds does not compile them on every run. Bounded: it is reset when full.
type compiled struct {
	mu      sync.Mutex
	regexps map[string]*regexp.Regexp
	schemas map[string]*jsonschema.Schema
}

const maxCompiled = 1024

func (c *compiled) regexp(pattern string) (*regexp.Regexp, error) {
	if c == nil {
		return regexp.Compile(pattern)
	}
	c.mu.Lock()
	re, ok := c.regexps[pattern]
	c.mu.Unlock()
	if ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.regexps == nil || len(c.regexps) >= maxCompiled {
		c.regexps = map[string]*regexp.Regexp{}
	}
	c.regexps[pattern] = re
	c.mu.Unlock()
	return re, nil
}

func (c *compiled) schema(text string) (*jsonschema.Schema, error) {
	if c != nil {
		c.mu.Lock()
		s, ok := c.schemas[text]
		c.mu.Unlock()
		if ok {
			return s, nil
		}
	}
	s, err := compileSchema(text)
	if err != nil || c == nil {
		return s, err
	}
	c.mu.Lock()
	if c.schemas == nil || len(c.schemas) >= maxCompiled {
		c.schemas = map[string]*jsonschema.Schema{}
	}
	c.schemas[text] = s
	c.mu.Unlock()
	return s, nil
}

// noLoader refuses every external $ref: a schema may not read files or URLs.
type noLoader struct{}

func (noLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("external schema %q is not loaded; inline it", u)
}

func compileSchema(text string) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("the schema is not valid JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	// An absolute URL of our own, so messages do not show the working directory.
	const loc = "urn:catena:assertion-target"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(loc)
	if err != nil {
		var sve *jsonschema.SchemaValidationError
		var ve *jsonschema.ValidationError
		if errors.As(err, &sve) && errors.As(sve.Err, &ve) {
			return nil, errors.New("not a valid schema, " + schemaReason(ve))
		}
		return nil, errors.New(strings.ReplaceAll(err.Error(), loc, "the schema"))
	}
	return s, nil
}

// assertOne judges one assertion whose target is already interpolated. It is
// pure apart from the memo in cache (which may be nil).
func assertOne(a collection.Assertion, target string, o observed, cache *compiled) verdict {
	v := verdict{AssertionResult: collection.AssertionResult{Assertion: a, Expected: target}}
	v.Target = target
	if !a.Comparison.NeedsTarget() {
		v.Expected = ""
	}
	actual, err := actualOf(a, o)
	if err != nil {
		v.Passed = false
		v.code = err.Code
		v.Reason = err.Msg
		v.Actual = err.actual
		if a.Comparison == collection.NotExists && err.Code == CodeNoMatch {
			v.Passed, v.code = true, ""
			v.Reason = err.Msg + ", as expected"
		}
		return v
	}
	v.Actual = truncate(actual.text, maxActual)
	pass, code, reason := compare(a.Comparison, actual, target, cache)
	v.Passed, v.code, v.Reason = pass, code, reason
	if !pass && v.code == "" {
		v.code = CodeAssertion
	}
	return v
}

// actual is the value an assertion looks at.
type actual struct {
	text   string
	json   gjson.Result // set for body values
	isJSON bool
	absent bool // a header that is not there
}

type actualError struct {
	Code   string
	Msg    string
	actual string
}

func actualOf(a collection.Assertion, o observed) (actual, *actualError) {
	r := o.resp
	switch a.Source {
	case collection.SourceStatus:
		return actual{text: statusText(r.status)}, nil
	case collection.SourceLatency:
		return actual{text: strconv.FormatInt(r.latencyMS, 10)}, nil
	case collection.SourceHeader:
		vs := r.header.Values(a.Property)
		if len(vs) == 0 {
			if a.Comparison == collection.NotExists {
				return actual{absent: true}, nil
			}
			return actual{}, &actualError{Code: CodeNoMatch, Msg: fmt.Sprintf("header %q is not in the response (headers: %s)", a.Property, headerList(r.header)), actual: "(absent)"}
		}
		return actual{text: strings.Join(vs, ", ")}, nil
	case collection.SourceText:
		return actual{text: string(r.body)}, nil
	case collection.SourceBody:
	default:
		return actual{}, &actualError{Code: CodeAssertion, Msg: fmt.Sprintf("unknown source %q", a.Source)}
	}
	if len(r.body) == 0 {
		why := fmt.Sprintf("status %d", r.status)
		if o.head {
			why = "a HEAD request"
		}
		return actual{}, &actualError{Code: CodeEmptyBody, Msg: "the response has no body (" + why + ")", actual: "(empty)"}
	}
	if !r.isJSON() {
		if a.Property == "" && !needsJSON(a.Comparison) {
			return actual{text: string(r.body)}, nil
		}
		if r.tooDeep {
			return actual{}, &actualError{Code: CodeBodyTooDeep, Msg: fmt.Sprintf("the body nests deeper than %d levels", maxJSONDepth), actual: excerpt(r.body, maxActual)}
		}
		return actual{}, &actualError{Code: CodeBodyNotJSON, Msg: fmt.Sprintf("the body is not JSON (content-type %s)", contentType(r.header)), actual: excerpt(r.body, maxActual)}
	}
	body := trimBOM(r.body)
	var res gjson.Result
	if a.Property == "" {
		res = gjson.ParseBytes(body)
	} else {
		res = r.get(body, a.Property)
	}
	if !res.Exists() {
		return actual{}, &actualError{Code: CodeNoMatch, Msg: fmt.Sprintf("path %q matched nothing (%s)", a.Property, describeJSON(body)), actual: "(nothing)"}
	}
	text := res.Raw
	if res.Type == gjson.String {
		text = res.Str
	}
	return actual{text: text, json: res, isJSON: true}, nil
}

// statusTexts are the decimal texts of the status codes 100–599, made once:
// strconv.Itoa allocates for numbers of three digits, and every step with a
// status assertion (or a reference to a status) needs one.
var statusTexts = func() []string {
	t := make([]string, 500)
	for i := range t {
		t[i] = strconv.Itoa(100 + i)
	}
	return t
}()

// statusText is strconv.Itoa(status).
func statusText(status int) string {
	if status >= 100 && status < 600 {
		return statusTexts[status-100]
	}
	return strconv.Itoa(status)
}

func needsJSON(c collection.Comparison) bool {
	return c == collection.TypeIs || c == collection.JSONSchema || c == collection.Exists || c == collection.NotExists
}

// compare applies a comparison; numbers compare as numbers when both parse.
func compare(c collection.Comparison, got actual, target string, cache *compiled) (pass bool, code, reason string) {
	a := got.text
	switch c {
	case collection.Equals, collection.NotEquals:
		eq := equal(got, target)
		switch {
		case c == collection.Equals && eq:
			return true, "", "equal"
		case c == collection.Equals:
			return false, "", fmt.Sprintf("%s is not %s", quote(a), quote(target))
		case eq:
			return false, "", fmt.Sprintf("%s equals the target", quote(a))
		}
		return true, "", "not equal"
	case collection.GreaterThan, collection.GreaterOrEqual, collection.LessThan, collection.LessOrEqual:
		_, okA := number(a)
		_, okT := number(target)
		if !okA || !okT {
			bad := a
			if okA {
				bad = target
			}
			return false, CodeTypeMismatch, fmt.Sprintf("%s compares numbers; %s is not a number", c, quote(bad))
		}
		n := cmpNumbers(a, target)
		var ok bool
		var op string
		switch c {
		case collection.GreaterThan:
			ok, op = n > 0, ">"
		case collection.GreaterOrEqual:
			ok, op = n >= 0, ">="
		case collection.LessThan:
			ok, op = n < 0, "<"
		default:
			ok, op = n <= 0, "<="
		}
		if ok {
			return true, "", passReason[c]
		}
		return false, "", fmt.Sprintf("%s is not %s %s", a, op, target)
	case collection.Contains, collection.NotContains:
		has := contains(got, target)
		switch {
		case c == collection.Contains && has:
			return true, "", "contains the target"
		case c == collection.Contains:
			return false, "", fmt.Sprintf("%s does not contain %s", quote(truncate(a, 60)), quote(target))
		case has:
			return false, "", fmt.Sprintf("%s contains %s", quote(truncate(a, 60)), quote(target))
		}
		return true, "", "does not contain the target"
	case collection.Matches:
		if len(target) > collection.MaxPatternLen {
			return false, CodeBadPattern, fmt.Sprintf("pattern is %d characters; at most %d", len(target), collection.MaxPatternLen)
		}
		re, err := cache.regexp(target)
		if err != nil {
			return false, CodeBadPattern, "invalid regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ")
		}
		if re.MatchString(a) {
			return true, "", "matches the pattern"
		}
		return false, "", fmt.Sprintf("%s does not match /%s/", quote(truncate(a, 60)), target)
	case collection.Exists:
		if got.absent {
			return false, CodeNoMatch, "not present"
		}
		return true, "", "present"
	case collection.NotExists:
		if got.absent {
			return true, "", "not present, as expected"
		}
		return false, "", "present (" + quote(truncate(a, 60)) + ")"
	case collection.IsEmpty, collection.IsNotEmpty:
		empty := isEmpty(got)
		switch {
		case c == collection.IsEmpty && empty:
			return true, "", "empty"
		case c == collection.IsEmpty:
			return false, "", quote(truncate(a, 60)) + " is not empty"
		case empty:
			return false, "", "the value is empty"
		}
		return true, "", "not empty"
	case collection.TypeIs:
		t := typeOf(got)
		ok := t == strings.TrimSpace(target)
		if ok {
			return true, "", "is " + t
		}
		return false, CodeTypeMismatch, fmt.Sprintf("is %s, not %s", t, strings.TrimSpace(target))
	case collection.JSONSchema:
		return matchSchema(got, target, cache)
	}
	return false, CodeAssertion, fmt.Sprintf("unknown comparison %q", c)
}

// passReason is the reason of a comparison that held; static, so passing
// assertions (the common case) cost no formatting.
var passReason = map[collection.Comparison]string{
	collection.GreaterThan:    "greater than the target",
	collection.GreaterOrEqual: "greater than or equal to the target",
	collection.LessThan:       "less than the target",
	collection.LessOrEqual:    "less than or equal to the target",
}

func quote(s string) string { return strconv.Quote(s) }

func number(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || !mayBeNumber(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// mayBeNumber is false when strconv.ParseFloat would certainly fail: after
// an optional sign it accepts only a digit, '.', or "inf"/"infinity"/"nan"
// in any case. It saves the error ParseFloat allocates for text such as
// "Bearer" or "ord_1", which equals and contains try as numbers first.
func mayBeNumber(s string) bool {
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '.', c == 'i', c == 'I', c == 'n', c == 'N':
		return true
	}
	return false
}

func equal(got actual, target string) bool {
	if _, ok := number(got.text); ok && (!got.isJSON || got.json.Type == gjson.Number || got.json.Type == gjson.String) {
		if _, ok := number(target); ok {
			return cmpNumbers(got.text, target) == 0
		}
	}
	if got.isJSON && (got.json.IsObject() || got.json.IsArray()) {
		// Objects and arrays compare as JSON text, ignoring whitespace.
		return compactJSON(got.text) == compactJSON(target)
	}
	return got.text == target
}

// compactJSON removes insignificant whitespace from JSON text (other text is
// only trimmed), so `{"a": 1}` equals `{"a":1}`.
func compactJSON(s string) string {
	if !gjson.Valid(s) {
		return strings.TrimSpace(s)
	}
	out := make([]byte, 0, len(s))
	inStr, esc := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ' ' || c == '\n' || c == '\r' || c == '\t'):
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// contains checks an array's elements, else substrings.
func contains(got actual, target string) bool {
	if got.isJSON && got.json.IsArray() {
		found := false
		got.json.ForEach(func(_, el gjson.Result) bool {
			text := el.Raw
			if el.Type == gjson.String {
				text = el.Str
			}
			if equal(actual{text: text, json: el, isJSON: true}, target) {
				found = true
			}
			return !found
		})
		return found
	}
	return strings.Contains(got.text, target)
}

func isEmpty(got actual) bool {
	if got.absent {
		return true
	}
	if got.isJSON {
		switch {
		case got.json.Type == gjson.Null:
			return true
		case got.json.IsArray(), got.json.IsObject():
			empty := true
			got.json.ForEach(func(_, _ gjson.Result) bool { empty = false; return false })
			return empty
		}
	}
	return got.text == ""
}

func typeOf(got actual) string {
	if !got.isJSON {
		return "string"
	}
	return jsonType(got.json)
}

func jsonType(r gjson.Result) string {
	switch r.Type {
	case gjson.String:
		return "string"
	case gjson.Number:
		return "number"
	case gjson.True, gjson.False:
		return "boolean"
	case gjson.Null:
		return "null"
	}
	if r.IsArray() {
		return "array"
	}
	return "object"
}

func matchSchema(got actual, target string, cache *compiled) (bool, string, string) {
	sch, err := cache.schema(target)
	if err != nil {
		return false, CodeBadSchema, "invalid JSON Schema: " + oneLine(err.Error())
	}
	raw := got.text
	if got.isJSON {
		raw = got.json.Raw
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(raw))
	if err != nil {
		return false, CodeBodyNotJSON, "the value is not JSON"
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return false, "", "does not match the schema: " + schemaReason(ve)
		}
		return false, "", "does not match the schema: " + oneLine(err.Error())
	}
	return true, "", "matches the schema"
}

// schemaReason is the first leaf cause of a validation error, on one line.
func schemaReason(ve *jsonschema.ValidationError) string {
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	loc := "/" + strings.Join(ve.InstanceLocation, "/")
	return oneLine(fmt.Sprintf("at %s: %s", loc, ve.ErrorKind.LocalizedString(englishPrinter)))
}

var englishPrinter = message.NewPrinter(language.English)

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, 300)
}

// truncate cuts s to at most n bytes at a character boundary, marking the cut
// (see excerpt: the mark lets the redactor mask a secret cut in half).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return excerpt([]byte(s), n)
}
