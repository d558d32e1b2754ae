package collection

import "time"

// Typed identifiers keep a run id from being passed where a step id is expected.
type (
	CollectionID int64
	StepID       int64
	MonitorID    int64
	RunID        int64
	ChannelID    int64
	UserID       int64
	TokenID      int64
	IncidentID   int64
	DeliveryID   int64
)

// Limits on what a collection may hold; validation enforces them at save time.
const (
	MaxSteps         = 50
	MaxNameLen       = 200
	MaxURLLen        = 8 << 10
	MaxHeadersBytes  = 64 << 10
	MaxBodyBytes     = 1 << 20
	MaxAssertions    = 100
	MaxPatternLen    = 1000
	DefaultTimeout   = 10 * time.Second
	MaxTimeout       = 5 * time.Minute
	MaxRetryAttempts = 100
	MaxRetryInterval = 5 * time.Minute
	MaxVariables     = 200
)

// Collection is an ordered list of steps run one after the other, with the
// variables their references may use. In files it is the whole document.
type Collection struct {
	ID          CollectionID      `json:"-" yaml:"-"`
	Name        string            `json:"name" yaml:"name"`
	Description string            `json:"description,omitempty" yaml:"description,omitempty"`
	Variables   map[string]string `json:"variables,omitempty" yaml:"variables,omitempty"`
	// Secrets holds secret values in memory only: files never carry them and the
	// API never returns them. When non-nil, validation checks @<<secrets.NAME>>
	// references against its keys.
	Secrets map[string]string `json:"-" yaml:"-"`
	// Environments are the named variable sets a run may pick (see
	// environment.go); a run's snapshot holds none (ForEnvironment).
	Environments map[string]Environment `json:"environments,omitempty" yaml:"environments,omitempty"`
	Steps        []Step                 `json:"steps" yaml:"steps"`
	// Tags group collections in the GUI and the API (ValidateTags); they are
	// not part of the file format nor of a run's snapshot.
	Tags      []string  `json:"-" yaml:"-"`
	CreatedAt time.Time `json:"-" yaml:"-"`
	UpdatedAt time.Time `json:"-" yaml:"-"`
}

// Step is one HTTP request with the assertions that judge its response, or
// (Kind browser) a page opened in a browser and driven through Actions.
type Step struct {
	ID   StepID   `json:"-" yaml:"-"`
	Name string   `json:"name" yaml:"name"`
	Kind StepKind `json:"kind,omitempty" yaml:"kind,omitempty"`
	// Method is empty for a browser step.
	Method     string            `json:"method,omitempty" yaml:"method,omitempty"`
	URL        string            `json:"url" yaml:"url"`
	Headers    map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
	Body       string            `json:"body,omitempty" yaml:"body,omitempty"`
	Timeout    Duration          `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	Assertions []Assertion       `json:"assertions,omitempty" yaml:"assertions,omitempty"`
	// AlwaysRun marks a teardown step: it runs even after an earlier failure.
	AlwaysRun bool `json:"always_run,omitempty" yaml:"always_run,omitempty"`
	// ContinueOnFailure keeps later steps running when this one fails.
	ContinueOnFailure bool `json:"continue_on_failure,omitempty" yaml:"continue_on_failure,omitempty"`
	// Retry re-sends the request until its assertions pass (polling).
	Retry *Retry `json:"retry,omitempty" yaml:"retry,omitempty"`
	// FollowRedirects defaults to true (up to 10 hops); false returns the 3xx as is.
	FollowRedirects *bool `json:"follow_redirects,omitempty" yaml:"follow_redirects,omitempty"`
	// Insecure turns off TLS certificate verification for this step; results record it.
	Insecure bool `json:"insecure,omitempty" yaml:"insecure,omitempty"`
	// Actions drive a browser step (see browser.go).
	Actions []Action `json:"actions,omitempty" yaml:"actions,omitempty"`
}

// EffectiveTimeout is the step's timeout, or DefaultTimeout (DefaultBrowserTimeout
// for a browser step) when unset.
func (s Step) EffectiveTimeout() time.Duration {
	if s.Timeout <= 0 && s.Browser() {
		return DefaultBrowserTimeout
	}
	if s.Timeout <= 0 {
		return DefaultTimeout
	}
	return s.Timeout.Std()
}

// CollectionTimeout is the longest one run of c can take: every step's
// timeout (DefaultTimeout when unset) times its tries, plus the waits between
// tries. The scheduler checks a monitor's interval against it and the runner
// bounds a run's job with it (plus a margin).
func CollectionTimeout(c *Collection) time.Duration {
	var total time.Duration
	for _, st := range c.Steps {
		tries := 1
		var wait time.Duration
		if st.Retry != nil && st.Retry.Attempts > 1 {
			tries = st.Retry.Attempts
			wait = time.Duration(tries-1) * st.Retry.Interval.Std()
		}
		total += time.Duration(tries)*st.EffectiveTimeout() + wait
	}
	return total
}

// Redirects reports whether redirects are followed for this step.
func (s Step) Redirects() bool { return s.FollowRedirects == nil || *s.FollowRedirects }

// Retry makes a step poll: it is re-sent up to Attempts times, Interval apart,
// until its assertions hold; the last try is the one judged.
type Retry struct {
	Attempts int      `json:"attempts" yaml:"attempts"`
	Interval Duration `json:"interval" yaml:"interval"`
}

// Source is what an assertion looks at.
type Source string

// Assertion sources.
const (
	SourceStatus  Source = "status"
	SourceLatency Source = "latency"
	SourceHeader  Source = "header"
	SourceBody    Source = "body"
	SourceText    Source = "text"
)

// Sources lists every source in documentation order.
var Sources = []Source{SourceStatus, SourceLatency, SourceHeader, SourceBody, SourceText}

// Comparison is how an assertion compares actual with target.
type Comparison string

// Comparisons.
const (
	Equals         Comparison = "equals"
	NotEquals      Comparison = "not_equals"
	GreaterThan    Comparison = "greater_than"
	GreaterOrEqual Comparison = "greater_or_equal"
	LessThan       Comparison = "less_than"
	LessOrEqual    Comparison = "less_or_equal"
	Contains       Comparison = "contains"
	NotContains    Comparison = "not_contains"
	Matches        Comparison = "matches"
	Exists         Comparison = "exists"
	NotExists      Comparison = "not_exists"
	IsEmpty        Comparison = "is_empty"
	IsNotEmpty     Comparison = "is_not_empty"
	TypeIs         Comparison = "type_is"
	JSONSchema     Comparison = "json_schema"
)

// Comparisons lists every comparison in documentation order.
var Comparisons = []Comparison{
	Equals, NotEquals, GreaterThan, GreaterOrEqual, LessThan, LessOrEqual,
	Contains, NotContains, Matches, Exists, NotExists, IsEmpty, IsNotEmpty, TypeIs, JSONSchema,
}

// JSONTypes are the targets type_is accepts.
var JSONTypes = []string{"string", "number", "boolean", "object", "array", "null"}

// Assertion is one check on a step's response.
type Assertion struct {
	Source Source `json:"source" yaml:"source"`
	// Property is a gjson path for body, a header name for header, unused otherwise.
	Property   string     `json:"property,omitempty" yaml:"property,omitempty"`
	Comparison Comparison `json:"comparison" yaml:"comparison"`
	// Target is the expected value; it may contain @<<…>> references.
	Target string `json:"target,omitempty" yaml:"target,omitempty"`
}

// NeedsTarget reports whether the comparison uses a target value.
func (c Comparison) NeedsTarget() bool {
	switch c {
	case Exists, NotExists, IsEmpty, IsNotEmpty:
		return false
	}
	return true
}

// Numeric reports whether the comparison orders numbers.
func (c Comparison) Numeric() bool {
	switch c {
	case GreaterThan, GreaterOrEqual, LessThan, LessOrEqual:
		return true
	}
	return false
}

// comparisonsFor lists what each source accepts.
var comparisonsFor = map[Source][]Comparison{
	SourceStatus:  {Equals, NotEquals, GreaterThan, GreaterOrEqual, LessThan, LessOrEqual, Matches},
	SourceLatency: {Equals, NotEquals, GreaterThan, GreaterOrEqual, LessThan, LessOrEqual},
	SourceHeader: {Equals, NotEquals, GreaterThan, GreaterOrEqual, LessThan, LessOrEqual,
		Contains, NotContains, Matches, Exists, NotExists, IsEmpty, IsNotEmpty},
	SourceBody: Comparisons,
	SourceText: {Equals, NotEquals, Contains, NotContains, Matches, IsEmpty, IsNotEmpty},
}

// ComparisonsFor returns the comparisons valid for a source (nil for an unknown one).
func ComparisonsFor(s Source) []Comparison { return comparisonsFor[s] }
