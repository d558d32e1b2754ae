package collection

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Methods are the HTTP methods a step may use.
var Methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// forbiddenHeaders are managed by the HTTP client and may not be set by a step.
var forbiddenHeaders = []string{"connection", "content-length", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}

// ClientManagedHeader reports whether the HTTP client sets the header itself
// (Content-Length, Connection, …), so a step may not; name is case-insensitive.
func ClientManagedHeader(name string) bool {
	return slices.Contains(forbiddenHeaders, strings.ToLower(name))
}

// Normalize tidies input before validation: trims names, upper-cases methods.
func (c *Collection) Normalize() {
	c.Name = strings.TrimSpace(c.Name)
	for i := range c.Steps {
		s := &c.Steps[i]
		s.Name = strings.TrimSpace(s.Name)
		s.Method = strings.ToUpper(strings.TrimSpace(s.Method))
		s.Kind = StepKind(strings.ToLower(strings.TrimSpace(string(s.Kind))))
		if s.Kind == KindHTTP {
			s.Kind = "" // the default, written as nothing
		}
		if s.Method == "" && s.Kind == "" {
			s.Method = "GET"
		}
	}
}

// Validate checks everything that can be checked without sending a request and
// returns a *ValidationError listing every problem, or nil. A collection with no
// steps is valid (a draft being built); RequireSteps rejects it where it must run.
func (c *Collection) Validate() error {
	v := &ValidationError{}
	switch {
	case c.Name == "":
		v.add("name", "", "a collection needs a name")
	case len(c.Name) > MaxNameLen:
		v.add("name", "", "name is %d characters long; at most %d", len(c.Name), MaxNameLen)
	}
	if len(c.Variables) > MaxVariables {
		v.add("variables", "", "%d variables; at most %d", len(c.Variables), MaxVariables)
	}
	checkText(v, "name", "", c.Name)
	checkText(v, "description", "", c.Description)
	for _, k := range sortedKeys(c.Variables) {
		if !validKey(k) {
			v.add("variables."+k, "", "variable name %q may hold only letters, digits, _ and -", k)
		}
		if val := c.Variables[k]; len(val) > MaxBodyBytes {
			v.add("variables."+k, "", "value is %d bytes; at most %d", len(val), MaxBodyBytes)
		} else if checkText(v, "variables."+k, "", val) {
			checkVariableRefs(v, c.Variables, k)
		}
	}
	validateEnvironments(v, c)
	if len(c.Steps) > MaxSteps {
		v.add("steps", "", "%d steps; a collection holds at most %d", len(c.Steps), MaxSteps)
	}
	seen := map[string]int{}
	for i := range c.Steps {
		validateStep(v, c, i)
		name := c.Steps[i].Name
		if j, dup := seen[name]; dup && name != "" {
			v.add(fmt.Sprintf("steps[%d].name", i), name, "a step named %q already exists (step %d); step names must be unique", name, j+1)
		}
		seen[name] = i
	}
	return v.err()
}

// RequireSteps returns an error when the collection has nothing to run.
func (c *Collection) RequireSteps() error {
	if len(c.Steps) == 0 {
		return Invalid("steps", "a collection needs at least one step")
	}
	return nil
}

// ValidateStep checks step i of c as it stands in the collection, for APIs that
// change one step at a time.
func (c *Collection) ValidateStep(i int) error {
	v := &ValidationError{}
	validateStep(v, c, i)
	return v.err()
}

func validateStep(v *ValidationError, c *Collection, i int) {
	s := c.Steps[i]
	p := fmt.Sprintf("steps[%d]", i)
	label := s.Name
	if label == "" {
		label = fmt.Sprintf("step%d", i+1)
	}
	if !ValidStepName(s.Name) {
		switch {
		case s.Name == "":
			v.add(p+".name", label, "a step needs a name")
		case len(s.Name) > MaxNameLen:
			v.add(p+".name", label, "name is %d characters long; at most %d", len(s.Name), MaxNameLen)
		default:
			v.add(p+".name", label, "name %q must start with a letter or _ and hold only letters, digits, _ and -", s.Name)
		}
	} else if s.Name == string(RefVar) || s.Name == string(RefSecret) || s.Name == string(RefEnv) {
		v.add(p+".name", label, "name %q is reserved (@<<%s.NAME>> means something else); choose another", s.Name, s.Name)
	}
	switch s.Kind {
	case "":
	case KindBrowser:
		validateBrowserStep(v, c, i, p, label)
		return
	default:
		v.add(p+".kind", label, "kind %q is not http or browser", s.Kind)
		return
	}
	if len(s.Actions) > 0 {
		v.add(p+".actions", label, "an HTTP step has no actions; set kind: browser to drive a browser")
	}
	if !slices.Contains(Methods, s.Method) {
		v.add(p+".method", label, "method %q is not supported; use one of %s", s.Method, strings.Join(Methods, ", "))
	}
	if checkText(v, p+".url", label, s.URL) {
		validateURL(v, p+".url", label, s.URL)
		checkRefs(v, c, i, p+".url", label, s.URL)
	}

	total := 0
	for _, k := range sortedKeys(s.Headers) {
		val := s.Headers[k]
		hp := p + ".headers." + k
		total += len(k) + len(val)
		if !ValidHeaderName(k) {
			v.add(hp, label, "header name %q is not valid: use letters, digits and !#$%%&'*+-.^_`|~ only", k)
		}
		if ClientManagedHeader(k) {
			v.add(hp, label, "header %q is managed by the HTTP client and cannot be set", k)
		}
		if strings.ContainsAny(val, "\r\n\x00") {
			v.add(hp, label, "header %q value contains a line break or NUL, which would split the request", k)
		} else {
			checkText(v, hp, label, val)
		}
		checkRefs(v, c, i, hp, label, val)
	}
	if total > MaxHeadersBytes {
		v.add(p+".headers", label, "headers total %d bytes; at most %d", total, MaxHeadersBytes)
	}
	if len(s.Body) > MaxBodyBytes {
		v.add(p+".body", label, "body is %d bytes; at most %d", len(s.Body), MaxBodyBytes)
	}
	checkText(v, p+".body", label, s.Body)
	checkRefs(v, c, i, p+".body", label, s.Body)

	if s.Timeout < 0 || s.Timeout.Std() > MaxTimeout {
		v.add(p+".timeout", label, "timeout %s must be between 1ms and %s", s.Timeout, Duration(MaxTimeout))
	}
	if r := s.Retry; r != nil {
		if r.Attempts < 1 || r.Attempts > MaxRetryAttempts {
			v.add(p+".retry.attempts", label, "retry attempts %d must be between 1 and %d", r.Attempts, MaxRetryAttempts)
		}
		if r.Interval < 0 || r.Interval.Std() > MaxRetryInterval {
			v.add(p+".retry.interval", label, "retry interval %s must be between 0s and %s", r.Interval, Duration(MaxRetryInterval))
		}
	}
	if len(s.Assertions) > MaxAssertions {
		v.add(p+".assertions", label, "%d assertions; at most %d", len(s.Assertions), MaxAssertions)
	}
	for j, a := range s.Assertions {
		validateAssertion(v, c, i, fmt.Sprintf("%s.assertions[%d]", p, j), label, a)
	}
}

func validateAssertion(v *ValidationError, c *Collection, i int, p, label string, a Assertion) {
	allowed, ok := comparisonsFor[a.Source]
	if !ok {
		v.add(p+".source", label, "source %q is not one of %s", a.Source, joinSources())
		return
	}
	if !slices.Contains(allowed, a.Comparison) {
		if !slices.Contains(Comparisons, a.Comparison) {
			v.add(p+".comparison", label, "comparison %q does not exist; use one of %s", a.Comparison, joinComparisons(allowed))
		} else {
			v.add(p+".comparison", label, "comparison %q cannot be used with source %s; use one of %s", a.Comparison, a.Source, joinComparisons(allowed))
		}
		return
	}
	if !checkText(v, p+".property", label, a.Property) || !checkText(v, p+".target", label, a.Target) {
		return
	}
	if a.Source == SourceHeader && strings.TrimSpace(a.Property) == "" {
		v.add(p+".property", label, "a header assertion needs the header name in property")
	}
	if a.Source != SourceHeader && a.Source != SourceBody && a.Property != "" {
		v.add(p+".property", label, "source %s takes no property (found %q)", a.Source, a.Property)
	}
	checkTarget(v, c, i, p, label, a)
}

// checkTarget checks an assertion's target against its comparison, for HTTP
// and browser steps alike: present exactly when the comparison needs one, its
// references resolvable, and a literal target well formed (a pattern, a
// number, a JSON type, a JSON Schema). Browser sources never reach the
// type_is and json_schema cases: their values are text, so browserComparisons
// refuses those comparisons first.
func checkTarget(v *ValidationError, c *Collection, i int, p, label string, a Assertion) {
	if !a.Comparison.NeedsTarget() {
		if a.Target != "" {
			v.add(p+".target", label, "comparison %s takes no target (found %q)", a.Comparison, a.Target)
		}
		return
	}
	if a.Target == "" {
		v.add(p+".target", label, "comparison %s needs a target value (to check for an empty value use is_empty)", a.Comparison)
		return
	}
	checkRefs(v, c, i, p+".target", label, a.Target)
	if HasReferences(a.Target) {
		return
	}
	switch {
	case a.Comparison == Matches:
		if len(a.Target) > MaxPatternLen {
			v.add(p+".target", label, "pattern is %d characters; at most %d", len(a.Target), MaxPatternLen)
		} else if _, err := regexp.Compile(a.Target); err != nil {
			v.add(p+".target", label, "invalid regular expression %q: %s", a.Target, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	case a.Comparison == TypeIs:
		if !slices.Contains(JSONTypes, a.Target) {
			v.add(p+".target", label, "type %q is not one of %s", a.Target, strings.Join(JSONTypes, ", "))
		}
	case a.Comparison == JSONSchema:
		t := strings.TrimSpace(a.Target)
		switch {
		case !json.Valid([]byte(t)):
			v.add(p+".target", label, "the JSON Schema is not valid JSON")
		case t[0] != '{' && t != "true" && t != "false":
			v.add(p+".target", label, "a JSON Schema is an object (or true/false), not %s", truncate(t, 40))
		default:
			if msg := schemaExternal(t); msg != "" {
				v.add(p+".target", label, "%s", msg)
			}
		}
	case a.Source == SourceStatus && a.Comparison != Matches, a.Source == SourceLatency:
		if _, err := strconv.ParseFloat(strings.TrimSpace(a.Target), 64); err != nil {
			v.add(p+".target", label, "%s compares numbers; %q is not a number", a.Source, a.Target)
		}
	case a.Comparison.Numeric():
		if _, err := strconv.ParseFloat(strings.TrimSpace(a.Target), 64); err != nil {
			v.add(p+".target", label, "%s compares numbers; %q is not a number", a.Comparison, a.Target)
		}
	}
}

// checkVariableRefs rejects a reference inside a variable's value. References
// resolve in one pass, so the value is inserted as written: @<<vars.B>> inside
// variable A would be sent as that literal text, and A=@<<vars.B>>,
// B=@<<vars.A>> would be a cycle with no value at all.
func checkVariableRefs(v *ValidationError, vars map[string]string, k string) {
	val := vars[k]
	if !HasReferences(val) {
		return
	}
	path := "variables." + k
	refs, err := References(val)
	if err != nil {
		v.add(path, "", "%s", err)
		return
	}
	if len(refs) == 0 {
		return
	}
	if cycle := variableCycle(vars, k); cycle != nil {
		v.add(path, "", "variables refer to each other in a cycle (%s); a variable's value is inserted as written and never expanded, so give %s its value directly", strings.Join(cycle, " → "), k)
		return
	}
	// One message per variable is enough: the first reference names the problem.
	v.add(path, "", "%s in a variable's value would be sent as literal text: references are resolved in one pass and a variable's value is never expanded; use the reference in the step instead", refs[0].Raw)
}

// variableCycle returns the path k → … → k through @<<vars.X>> references, or
// nil when k is on no cycle. Depth-first over at most MaxVariables names.
func variableCycle(vars map[string]string, k string) []string {
	var walk func(name string, path []string, seen map[string]bool) []string
	walk = func(name string, path []string, seen map[string]bool) []string {
		refs, err := References(vars[name])
		if err != nil {
			return nil
		}
		for _, r := range refs {
			if r.Kind != RefVar {
				continue
			}
			if _, ok := vars[r.Name]; !ok {
				continue
			}
			if r.Name == k {
				return append(path, r.Name)
			}
			if seen[r.Name] {
				continue
			}
			seen[r.Name] = true
			if c := walk(r.Name, append(path, r.Name), seen); c != nil {
				return c
			}
		}
		return nil
	}
	return walk(k, []string{k}, map[string]bool{k: true})
}

// checkText rejects text that cannot be stored or written to a file: bytes that
// are not UTF-8, and NUL (Postgres text and jsonb refuse both).
func checkText(v *ValidationError, path, label, s string) bool {
	switch {
	case !utf8.ValidString(s):
		v.add(path, label, "contains bytes that are not valid UTF-8; only text can be stored")
		return false
	case strings.IndexByte(s, 0) >= 0:
		v.add(path, label, "contains a NUL byte; only text can be stored")
		return false
	}
	return true
}

// checkRefs parses the template in field and checks each reference can resolve
// before step i runs.
func checkRefs(v *ValidationError, c *Collection, i int, path, label, text string) {
	if !HasReferences(text) {
		return
	}
	refs, err := References(text)
	if err != nil {
		v.add(path, label, "%s", err)
		return
	}
	for _, r := range refs {
		if msg := unresolvable(c, i, r); msg != "" {
			v.add(path, label, "%s", msg)
		}
	}
}

// unresolvable explains why r cannot resolve in step i of c, or returns "".
func unresolvable(c *Collection, i int, r Reference) string {
	switch r.Kind {
	case RefVar:
		return unresolvableVar(c, r)
	case RefSecret:
		return unresolvableSecret(c, r)
	case RefStep:
		j := StepIndex(c.Steps, r.Step)
		switch {
		case j < 0:
			return fmt.Sprintf("unknown step '%s' in %s; earlier steps: %s", r.Step, r.Raw, listOrNone(earlierNames(c.Steps, i)))
		case j == i:
			return fmt.Sprintf("step '%s' refers to itself in %s; a reference can only use earlier steps", r.Step, r.Raw)
		case j > i:
			return fmt.Sprintf("step %d refers to step %d ('%s'), which runs later, in %s; earlier steps: %s", i+1, j+1, c.Steps[j].Name, r.Raw, listOrNone(earlierNames(c.Steps, i)))
		case r.Part == PartExtracted:
			return unresolvableExtracted(c, j, r)
		case c.Steps[j].Browser():
			return fmt.Sprintf("step '%s' is a browser step; it offers only extracted values, such as @<<%s.extracted.NAME>> (found %s)", c.Steps[j].Name, r.Step, r.Raw)
		}
	}
	return ""
}

// UnresolvableReason is the save-time check for one reference used in step i.
func (c *Collection) UnresolvableReason(i int, r Reference) string { return unresolvable(c, i, r) }

func earlierNames(steps []Step, i int) []string {
	names := make([]string, 0, i)
	for _, s := range steps[:min(i, len(steps))] {
		names = append(names, s.Name)
	}
	return names
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

func validateURL(v *ValidationError, path, label, raw string) {
	switch {
	case raw == "":
		v.add(path, label, "a step needs a URL")
		return
	case len(raw) > MaxURLLen:
		v.add(path, label, "URL is %d characters; at most %d", len(raw), MaxURLLen)
		return
	case strings.TrimSpace(raw) != raw:
		v.add(path, label, "URL %q has leading or trailing spaces", raw)
		return
	case strings.IndexFunc(raw, unicode.IsControl) >= 0:
		v.add(path, label, "URL %q contains a control character", raw)
		return
	case strings.ContainsFunc(raw, unicode.IsSpace):
		v.add(path, label, "URL %q contains a space; write it as %%20 (or + in a query)", raw)
		return
	}
	if strings.HasPrefix(raw, RefOpen) {
		// The scheme and host come from a reference; they are checked after interpolation.
		return
	}
	if msg := URLProblem(placeholderRefs(raw)); msg != "" {
		v.add(path, label, "%s", msg)
	}
}

// URLProblem explains what is wrong with a concrete URL for a step, or returns "".
// The runner calls it again after interpolation.
func URLProblem(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("URL %q cannot be parsed: %s", redactRawUserinfo(raw), redactRawUserinfo(unwrapURLError(err)))
	}
	switch {
	case u.Scheme == "", u.Opaque != "" && u.Opaque[0] >= '0' && u.Opaque[0] <= '9':
		// "localhost:8080/x" parses as scheme "localhost"; it is a missing scheme.
		return fmt.Sprintf("URL %q has no scheme; start it with http:// or https://", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("URL %q uses scheme %q; only http and https are allowed", raw, u.Scheme)
	case u.User != nil:
		return fmt.Sprintf("URL %q carries a user name or password; put credentials in a header with a secret instead", redactUserinfo(u))
	case u.Hostname() == "":
		return fmt.Sprintf("URL %q has no host", raw)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("URL %q has port %s; a port is 1-65535", raw, p)
		}
	}
	if strings.Contains(u.Host, "%") {
		if net.ParseIP(strings.Split(u.Hostname(), "%")[0]) == nil {
			return fmt.Sprintf("URL %q has an invalid host", raw)
		}
		// fe80::1%eth0: a zone names a network interface of whichever machine
		// runs the step, and only link-local addresses take one, which the dial
		// guard refuses.
		return fmt.Sprintf("URL %q has an IPv6 zone (%%%s): a zone names a network interface on the runner's machine and only link-local addresses take one, which runners refuse; use a routable address or a host name", raw, u.Hostname()[strings.Index(u.Hostname(), "%")+1:])
	}
	return ""
}

// knownSchemaDrafts are the meta-schemas an assertion's JSON Schema may name in
// $schema; any other URL would have to be fetched.
var knownSchemaDrafts = []string{
	"http://json-schema.org/draft-04/schema", "http://json-schema.org/draft-06/schema",
	"http://json-schema.org/draft-07/schema", "https://json-schema.org/draft/2019-09/schema",
	"https://json-schema.org/draft/2020-12/schema",
}

// schemaExternal explains why a JSON Schema (valid JSON) would need a document
// from outside itself, or returns "". Runners never load files or URLs, so a
// $ref must point inside the schema ("#…") and $schema must name a known draft.
func schemaExternal(text string) string {
	dec := json.NewDecoder(strings.NewReader(text))
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return ""
	}
	var walk func(x any, at string) string
	walk = func(x any, at string) string {
		switch x := x.(type) {
		case map[string]any:
			for _, k := range sortedKeys(x) {
				val := x[k]
				ref, isString := val.(string)
				switch {
				case !isString:
				case (k == "$ref" || k == "$dynamicRef" || k == "$recursiveRef") && !strings.HasPrefix(ref, "#"):
					return fmt.Sprintf("the JSON Schema has an external %s %q at %s: runners never load files or URLs; put the definition under $defs and refer to it as \"#/$defs/NAME\"", k, truncate(ref, 80), at+"/"+k)
				case k == "$schema" && !slices.Contains(knownSchemaDrafts, strings.TrimSuffix(ref, "#")):
					return fmt.Sprintf("the JSON Schema names meta-schema %q at %s, which is not a known draft and would have to be fetched; use one of %s or leave $schema out", truncate(ref, 80), at+"/"+k, strings.Join(knownSchemaDrafts, ", "))
				}
				if msg := walk(val, at+"/"+k); msg != "" {
					return msg
				}
			}
		case []any:
			for i, el := range x {
				if msg := walk(el, fmt.Sprintf("%s/%d", at, i)); msg != "" {
					return msg
				}
			}
		}
		return ""
	}
	return walk(doc, "#")
}

func unwrapURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// redactRawUserinfo hides "user:password@" in text that failed to parse as a URL.
func redactRawUserinfo(s string) string {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	authority, _, _ := strings.Cut(rest, "/")
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return s
	}
	start := len(s) - len(rest)
	return s[:start] + Redacted + s[start+at:]
}

func redactUserinfo(u *url.URL) string {
	c := *u
	c.User = url.User(Redacted)
	return c.String()
}

// placeholderRefs replaces each reference with a neutral token so the rest of a
// URL can be checked at save time.
func placeholderRefs(s string) string {
	segs, err := ParseTemplate(s)
	if err != nil {
		return s
	}
	var b strings.Builder
	for _, seg := range segs {
		if seg.Ref != nil {
			// "1" fits wherever a reference may stand: host, port, path or query.
			b.WriteString("1")
		} else {
			b.WriteString(seg.Literal)
		}
	}
	return b.String()
}

// ValidHeaderName reports whether s is an HTTP header name (an RFC 9110 token),
// the rule Validate applies to step headers and importers apply before adding one.
func ValidHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return true
}

func joinSources() string {
	out := make([]string, len(Sources))
	for i, s := range Sources {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

func joinComparisons(cs []Comparison) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return strings.Join(out, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
