package collection

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// StepKind says how a step is executed: an HTTP request (the default) or a
// real browser driven through a list of actions.
type StepKind string

// Step kinds.
const (
	KindHTTP    StepKind = "http"
	KindBrowser StepKind = "browser"
)

// Limits of browser steps.
const (
	MaxActions            = 100
	DefaultBrowserTimeout = 30 * time.Second
	MaxSelectorLen        = 1000
)

// Browser reports whether the step drives a browser.
func (s Step) Browser() bool { return s.Kind == KindBrowser }

// ActionType names what a browser action does.
type ActionType string

// Browser actions. There is deliberately no action that runs arbitrary
// JavaScript: a browser step stays declarative and reviewable.
const (
	ActionNavigate   ActionType = "navigate"   // go to a URL
	ActionClick      ActionType = "click"      // click the element a selector finds
	ActionFill       ActionType = "fill"       // type value into an input
	ActionSelect     ActionType = "select"     // choose value in a <select>
	ActionPress      ActionType = "press"      // press a key (in the focused element or selector)
	ActionWaitFor    ActionType = "wait_for"   // wait for a selector, text, URL or network idle
	ActionExtract    ActionType = "extract"    // keep an element's text or attribute under a name
	ActionSetCookie  ActionType = "set_cookie" // set a cookie before (or between) navigations
	ActionScreenshot ActionType = "screenshot" // keep a picture of the page
)

// ActionTypes lists every action in documentation order.
var ActionTypes = []ActionType{ActionNavigate, ActionClick, ActionFill, ActionSelect, ActionPress,
	ActionWaitFor, ActionExtract, ActionSetCookie, ActionScreenshot}

// actionFields lists the fields each action accepts besides its own key and timeout.
var actionFields = map[ActionType][]string{
	ActionNavigate:   nil,
	ActionClick:      nil,
	ActionFill:       {"value"},
	ActionSelect:     {"value"},
	ActionPress:      {"selector"},
	ActionWaitFor:    nil,
	ActionExtract:    {"selector", "attribute"},
	ActionSetCookie:  {"value", "url"},
	ActionScreenshot: nil,
}

// Action is one browser action. In files it is a mapping whose action key
// names what it does, e.g. {fill: "#email", value: "demo@example.com"} or
// {wait_for: {text: "Welcome"}, timeout: 5s}.
type Action struct {
	Type ActionType
	// Selector is the CSS selector of click, fill, select, wait_for, extract and
	// (optionally) press.
	Selector string
	// Value is what fill types, select chooses, set_cookie stores; the key press presses.
	Value string
	// Name is the extract or screenshot name, or the cookie name.
	Name string
	// Attribute makes extract read an attribute instead of the element's text.
	Attribute string
	// URL is where navigate goes, what wait_for waits to see in the page URL,
	// or the URL a cookie is set for (default: the step's URL).
	URL string
	// Text is what wait_for waits to see in the page's text.
	Text string
	// NetworkIdle makes wait_for wait until no request is in flight.
	NetworkIdle bool
	// Timeout bounds this action (default: what is left of the step's timeout).
	Timeout Duration

	// problems are what decoding found wrong; Validate reports them.
	problems []actionProblem
}

type actionProblem struct{ field, msg string }

// Field names in files.
const (
	fieldTimeout     = "timeout"
	fieldValue       = "value"
	fieldSelector    = "selector"
	fieldAttribute   = "attribute"
	fieldURL         = "url"
	fieldText        = "text"
	fieldNetworkIdle = "network_idle"
)

// UnmarshalJSON reads the mapping form. Problems (an unknown action, a field
// of the wrong type) are kept for Validate, which names step, index and field.
func (a *Action) UnmarshalJSON(data []byte) error {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("a browser action is a mapping such as {\"click\": \"#submit\"}: %w", err)
	}
	*a = actionFromMap(m)
	return nil
}

// UnmarshalYAML reads the mapping form (see UnmarshalJSON).
func (a *Action) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a browser action is a mapping such as {click: \"#submit\"}", n.Line)
	}
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		return err
	}
	*a = actionFromMap(m)
	return nil
}

func actionFromMap(m map[string]any) Action {
	var a Action
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var kinds []string
	for _, k := range keys {
		if slices.Contains(ActionTypes, ActionType(k)) {
			kinds = append(kinds, k)
		}
	}
	switch len(kinds) {
	case 0:
		a.problems = append(a.problems, actionProblem{"", fmt.Sprintf("no action found (keys: %s); an action is one of %s", strings.Join(keys, ", "), joinActions())})
		return a
	case 1:
		a.Type = ActionType(kinds[0])
	default:
		a.problems = append(a.problems, actionProblem{"", fmt.Sprintf("one action per entry, found %s", strings.Join(kinds, " and "))})
		return a
	}
	text := func(k string) string {
		v := m[k]
		switch x := v.(type) {
		case string:
			return x
		case json.Number:
			return x.String()
		case int, int64, uint64, float64, bool:
			return fmt.Sprint(x)
		case nil:
			return ""
		}
		a.problems = append(a.problems, actionProblem{k, fmt.Sprintf("%s must be text, not %s", k, describeValue(v))})
		return ""
	}
	main := text(kinds[0])
	switch a.Type {
	case ActionNavigate:
		a.URL = main
	case ActionClick, ActionFill, ActionSelect:
		a.Selector = main
	case ActionPress:
		a.Value = main
	case ActionExtract, ActionScreenshot, ActionSetCookie:
		a.Name = main
	case ActionWaitFor:
		a.problems = nil // the wait_for value may be a mapping; read it below
		switch x := m[string(ActionWaitFor)].(type) {
		case string:
			a.Selector = x
		case map[string]any:
			for k, v := range x {
				switch k {
				case fieldSelector:
					a.Selector, _ = v.(string)
				case fieldText:
					a.Text, _ = v.(string)
				case fieldURL:
					a.URL, _ = v.(string)
				case fieldNetworkIdle:
					b, ok := v.(bool)
					if !ok {
						a.problems = append(a.problems, actionProblem{"wait_for.network_idle", "network_idle is true or false"})
					}
					a.NetworkIdle = b
				default:
					a.problems = append(a.problems, actionProblem{"wait_for." + k, fmt.Sprintf("wait_for has no field %q; it waits for one of selector, text, url, network_idle", k)})
				}
			}
		default:
			a.problems = append(a.problems, actionProblem{"wait_for", "wait_for takes a selector or a mapping with one of selector, text, url, network_idle: true"})
		}
	}
	for _, k := range keys {
		if k == kinds[0] {
			continue
		}
		if k == fieldTimeout {
			s := text(k)
			d, err := time.ParseDuration(s)
			if err != nil {
				a.problems = append(a.problems, actionProblem{k, fmt.Sprintf("timeout %q is not a duration such as \"5s\"", s)})
			}
			a.Timeout = Duration(d)
			continue
		}
		if !slices.Contains(actionFields[a.Type], k) {
			a.problems = append(a.problems, actionProblem{k, fmt.Sprintf("%s takes no field %q%s", a.Type, k, fieldHint(a.Type))})
			continue
		}
		v := text(k)
		switch k {
		case fieldValue:
			a.Value = v
		case fieldSelector:
			a.Selector = v
		case fieldAttribute:
			a.Attribute = v
		case fieldURL:
			a.URL = v
		}
	}
	return a
}

func fieldHint(t ActionType) string {
	fs := actionFields[t]
	if len(fs) == 0 {
		return " (only timeout)"
	}
	return " (fields: " + strings.Join(fs, ", ") + ", timeout)"
}

func describeValue(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// pairs is the action in file order: its key first, then its fields.
func (a Action) pairs() [][2]any {
	var main any
	switch a.Type {
	case ActionNavigate:
		main = a.URL
	case ActionClick, ActionFill, ActionSelect:
		main = a.Selector
	case ActionPress:
		main = a.Value
	case ActionExtract, ActionScreenshot, ActionSetCookie:
		main = a.Name
	case ActionWaitFor:
		switch {
		case a.Text != "":
			w := [][2]any{{fieldText, a.Text}}
			if a.Selector != "" {
				w = append(w, [2]any{fieldSelector, a.Selector})
			}
			main = w
		case a.URL != "":
			main = [][2]any{{fieldURL, a.URL}}
		case a.NetworkIdle:
			main = [][2]any{{fieldNetworkIdle, true}}
		default:
			main = a.Selector
		}
	}
	out := [][2]any{{string(a.Type), main}}
	add := func(k, v string) {
		if v != "" {
			out = append(out, [2]any{k, v})
		}
	}
	switch a.Type {
	case ActionFill, ActionSelect:
		out = append(out, [2]any{fieldValue, a.Value})
	case ActionPress:
		add(fieldSelector, a.Selector)
	case ActionExtract:
		add(fieldSelector, a.Selector)
		add(fieldAttribute, a.Attribute)
	case ActionSetCookie:
		out = append(out, [2]any{fieldValue, a.Value})
		add(fieldURL, a.URL)
	}
	if a.Timeout > 0 {
		out = append(out, [2]any{fieldTimeout, a.Timeout.String()})
	}
	return out
}

// MarshalJSON writes the mapping form with the action key first.
func (a Action) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSONPairs(&b, a.pairs()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSONPairs(b *bytes.Buffer, ps [][2]any) error {
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeJSONValue(b, p[0]); err != nil {
			return err
		}
		b.WriteByte(':')
		if nested, ok := p[1].([][2]any); ok {
			if err := writeJSONPairs(b, nested); err != nil {
				return err
			}
			continue
		}
		if err := writeJSONValue(b, p[1]); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// writeJSONValue writes v without HTML escaping, so "@<<…>>" stays readable.
func writeJSONValue(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// MarshalYAML writes the mapping form with the action key first.
func (a Action) MarshalYAML() (any, error) { return yamlPairs(a.pairs()), nil }

func yamlPairs(ps [][2]any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	for _, p := range ps {
		k := &yaml.Node{Kind: yaml.ScalarNode, Value: p[0].(string)}
		var v *yaml.Node
		switch x := p[1].(type) {
		case [][2]any:
			v = yamlPairs(x)
		case bool:
			v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}
		default:
			v = &yaml.Node{}
			_ = v.Encode(x)
		}
		n.Content = append(n.Content, k, v)
	}
	return n
}

// Extracts lists the names a browser step's extract actions produce, in order.
func (s Step) Extracts() []string {
	var out []string
	for _, a := range s.Actions {
		if a.Type == ActionExtract && a.Name != "" {
			out = append(out, a.Name)
		}
	}
	return out
}

// Browser assertion sources: the page's URL, its text (property: a CSS
// selector, empty for the whole page) and values extract kept (property: the
// name).
const (
	SourceURL       Source = "url"
	SourceExtracted Source = "extracted"
)

// BrowserSources lists the sources a browser step's assertions may use.
var BrowserSources = []Source{SourceURL, SourceText, SourceExtracted}

var browserComparisons = map[Source][]Comparison{
	SourceURL:       {Equals, NotEquals, Contains, NotContains, Matches},
	SourceText:      {Equals, NotEquals, Contains, NotContains, Matches, Exists, NotExists, IsEmpty, IsNotEmpty},
	SourceExtracted: {Equals, NotEquals, GreaterThan, GreaterOrEqual, LessThan, LessOrEqual, Contains, NotContains, Matches, IsEmpty, IsNotEmpty},
}

// BrowserComparisonsFor returns the comparisons a browser step's source accepts.
func BrowserComparisonsFor(s Source) []Comparison { return browserComparisons[s] }

func joinActions() string {
	out := make([]string, len(ActionTypes))
	for i, t := range ActionTypes {
		out[i] = string(t)
	}
	return strings.Join(out, ", ")
}

// validateBrowserStep checks the fields of a browser step (its name is
// checked by validateStep): actions, the start URL, assertions.
func validateBrowserStep(v *ValidationError, c *Collection, i int, p, label string) {
	s := c.Steps[i]
	if s.Method != "" {
		v.add(p+".method", label, "a browser step has no method (found %q); it opens url in a browser", s.Method)
	}
	if len(s.Headers) > 0 {
		v.add(p+".headers", label, "a browser step has no headers; set cookies with a set_cookie action")
	}
	if s.Body != "" {
		v.add(p+".body", label, "a browser step has no body; fill a form with fill actions")
	}
	if s.Retry != nil {
		v.add(p+".retry", label, "a browser step cannot be retried; wait with wait_for instead")
	}
	if s.FollowRedirects != nil {
		v.add(p+".follow_redirects", label, "a browser always follows redirects")
	}
	if s.Insecure {
		v.add(p+".insecure", label, "a browser step always verifies TLS certificates")
	}
	if checkText(v, p+".url", label, s.URL) {
		validateURL(v, p+".url", label, s.URL)
		checkRefs(v, c, i, p+".url", label, s.URL)
	}
	if s.Timeout < 0 || s.Timeout.Std() > MaxTimeout {
		v.add(p+".timeout", label, "timeout %s must be between 1ms and %s", s.Timeout, Duration(MaxTimeout))
	}
	switch {
	case len(s.Actions) == 0:
		v.add(p+".actions", label, "a browser step needs at least one action (%s)", joinActions())
	case len(s.Actions) > MaxActions:
		v.add(p+".actions", label, "%d actions; at most %d", len(s.Actions), MaxActions)
	}
	extracted := map[string]int{}
	shots := map[string]int{}
	for j, a := range s.Actions {
		ap := fmt.Sprintf("%s.actions[%d]", p, j)
		validateAction(v, c, i, ap, label, a)
		names, kind := extracted, "extract"
		if a.Type == ActionScreenshot {
			names, kind = shots, "screenshot"
		} else if a.Type != ActionExtract {
			continue
		}
		if k, dup := names[a.Name]; dup && a.Name != "" {
			v.add(ap+"."+string(a.Type), label, "%s name %q is already used by action %d; each %s needs its own name", kind, a.Name, k, kind)
		}
		names[a.Name] = j
	}
	if len(s.Assertions) > MaxAssertions {
		v.add(p+".assertions", label, "%d assertions; at most %d", len(s.Assertions), MaxAssertions)
	}
	for j, a := range s.Assertions {
		validateBrowserAssertion(v, c, i, fmt.Sprintf("%s.assertions[%d]", p, j), label, a, extracted)
	}
}

func validateAction(v *ValidationError, c *Collection, i int, p, label string, a Action) {
	for _, pr := range a.problems {
		path := p
		if pr.field != "" {
			path += "." + pr.field
		}
		v.add(path, label, "%s", pr.msg)
	}
	if a.Type == "" {
		return
	}
	key := p + "." + string(a.Type)
	needSelector := func(what string) {
		switch {
		case strings.TrimSpace(a.Selector) == "":
			v.add(key, label, "%s needs a CSS selector %s", a.Type, what)
		case len(a.Selector) > MaxSelectorLen:
			v.add(key, label, "selector is %d characters; at most %d", len(a.Selector), MaxSelectorLen)
		}
	}
	fields := map[string]string{"selector": a.Selector, "value": a.Value, "name": a.Name, "attribute": a.Attribute, "url": a.URL, "text": a.Text}
	for _, f := range sortedKeys(fields) {
		if checkText(v, p+"."+f, label, fields[f]) {
			checkRefs(v, c, i, p+"."+f, label, fields[f])
		}
	}
	if a.Timeout < 0 || a.Timeout.Std() > MaxTimeout {
		v.add(p+".timeout", label, "timeout %s must be between 1ms and %s", a.Timeout, Duration(MaxTimeout))
	}
	switch a.Type {
	case ActionNavigate:
		switch {
		case a.URL == "":
			v.add(key, label, "navigate needs a URL")
		case !strings.HasPrefix(a.URL, RefOpen):
			if msg := URLProblem(placeholderRefs(a.URL)); msg != "" {
				v.add(key, label, "%s", msg)
			}
		}
	case ActionClick:
		needSelector("of the element to click")
	case ActionFill:
		needSelector("of the input to fill")
	case ActionSelect:
		needSelector("of the <select> element")
	case ActionPress:
		if a.Value == "" {
			v.add(key, label, "press needs a key, such as Enter or Tab")
		}
	case ActionWaitFor:
		n := 0
		for _, set := range []bool{a.Selector != "" && a.Text == "", a.Text != "", a.URL != "", a.NetworkIdle} {
			if set {
				n++
			}
		}
		if n != 1 {
			v.add(key, label, "wait_for waits for exactly one thing: a selector, {text: …}, {url: …} or {network_idle: true}")
		}
	case ActionExtract:
		if !validKey(a.Name) {
			v.add(key, label, "extract needs a name of letters, digits, _ and - (found %q)", a.Name)
		}
		needSelector("of the element to read")
		if a.Attribute != "" && !validKey(a.Attribute) {
			v.add(p+".attribute", label, "attribute %q is not an attribute name", a.Attribute)
		}
	case ActionSetCookie:
		if !validKey(a.Name) {
			v.add(key, label, "set_cookie needs a cookie name of letters, digits, _ and - (found %q)", a.Name)
		}
		if strings.ContainsAny(a.Value, ";\r\n") {
			v.add(p+".value", label, "a cookie value cannot hold ; or a line break")
		}
		if a.URL != "" && !strings.HasPrefix(a.URL, RefOpen) {
			if msg := URLProblem(placeholderRefs(a.URL)); msg != "" {
				v.add(p+".url", label, "%s", msg)
			}
		}
	case ActionScreenshot:
		if !validKey(a.Name) {
			v.add(key, label, "screenshot needs a name of letters, digits, _ and - (found %q)", a.Name)
		}
	}
}

func validateBrowserAssertion(v *ValidationError, c *Collection, i int, p, label string, a Assertion, extracted map[string]int) {
	allowed, ok := browserComparisons[a.Source]
	if !ok {
		v.add(p+".source", label, "source %q is not one of a browser step's sources: url, text, extracted", a.Source)
		return
	}
	if !slices.Contains(allowed, a.Comparison) {
		v.add(p+".comparison", label, "comparison %q cannot be used with source %s; use one of %s", a.Comparison, a.Source, joinComparisons(allowed))
		return
	}
	if !checkText(v, p+".property", label, a.Property) || !checkText(v, p+".target", label, a.Target) {
		return
	}
	switch a.Source {
	case SourceURL:
		if a.Property != "" {
			v.add(p+".property", label, "source url takes no property (found %q)", a.Property)
		}
	case SourceExtracted:
		if _, ok := extracted[a.Property]; !ok {
			v.add(p+".property", label, "no extract action of this step is named %q; extracted: %s", a.Property, listOrNone(sortedKeys(extracted)))
		}
	case SourceText:
		if (a.Comparison == Exists || a.Comparison == NotExists) && a.Property == "" {
			v.add(p+".property", label, "%s needs a CSS selector in property", a.Comparison)
		}
	}
	checkTarget(v, c, i, p, label, a)
}

// unresolvableExtracted explains why @<<STEP.extracted.NAME>> cannot resolve
// from step j, or returns "".
func unresolvableExtracted(c *Collection, j int, r Reference) string {
	s := c.Steps[j]
	if !s.Browser() {
		return fmt.Sprintf("step '%s' is an HTTP step and extracts nothing in %s; use %s.body.PATH", s.Name, r.Raw, r.Step)
	}
	names := s.Extracts()
	if !slices.Contains(names, r.Name) {
		return fmt.Sprintf("step '%s' extracts no value named %q in %s; it extracts: %s", s.Name, r.Name, r.Raw, listOrNone(names))
	}
	return ""
}

// BrowserResult is what a browser step saw, kept with its step result.
type BrowserResult struct {
	// FinalURL is the page's URL when the step ended (secrets masked).
	FinalURL string         `json:"final_url"`
	Actions  []ActionResult `json:"actions"`
	// Extracted holds the values extract actions kept (secrets masked).
	Extracted      map[string]string `json:"extracted,omitempty"`
	ConsoleErrors  []string          `json:"console_errors,omitempty"`
	FailedRequests []FailedRequest   `json:"failed_requests,omitempty"`
	Timings        PageTimings       `json:"timings"`
	Screenshots    []Screenshot      `json:"screenshots,omitempty"`
}

// ActionStatus is how one browser action ended.
type ActionStatus string

// Action outcomes.
const (
	ActionOK      ActionStatus = "ok"
	ActionFailed  ActionStatus = "failed"
	ActionSkipped ActionStatus = "skipped"
)

// ActionResult is one entry of a browser step's action log.
type ActionResult struct {
	// Index is the action's position in the step's actions; -1 for opening
	// the step's url.
	Index int `json:"index"`
	// Action describes it ("click \"#submit\""), secrets masked.
	Action   string        `json:"action"`
	Status   ActionStatus  `json:"status"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration"`
}

// FailedRequest is a request of the page that failed, got a 4xx/5xx status or
// was refused by the dial guard.
type FailedRequest struct {
	Method string `json:"method,omitempty"`
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
	// Blocked is set when the dial guard refused the destination.
	Blocked bool `json:"blocked,omitempty"`
}

// PageTimings are the page's own navigation timings (zero when the browser
// did not report them).
type PageTimings struct {
	DOMContentLoaded time.Duration `json:"dom_content_loaded"`
	Load             time.Duration `json:"load"`
	// LCP is the largest contentful paint, when the browser reports one.
	LCP time.Duration `json:"lcp"`
}

// Screenshot is one picture a browser step took. Data is stored apart from
// the rest of the result and loaded only when asked for.
type Screenshot struct {
	// Position is the screenshot's number in its step (0-based).
	Position int    `json:"position"`
	Name     string `json:"name"`
	// Action is the index of the action that took it (or failed, for an
	// automatic one); -1 for the step's url.
	Action int `json:"action"`
	// Auto marks the screenshot taken because the step failed or errored.
	Auto bool   `json:"auto,omitempty"`
	MIME string `json:"mime"`
	Size int    `json:"size"`
	Data []byte `json:"-"`
}

// ActionFromJSON reads one action in its JSON file form, for APIs that take
// actions one by one. A malformed one is kept with its problem, which
// Validate reports with the step and index.
func ActionFromJSON(s string) Action {
	var a Action
	if err := a.UnmarshalJSON([]byte(s)); err != nil {
		return Action{problems: []actionProblem{{"", err.Error()}}}
	}
	return a
}
