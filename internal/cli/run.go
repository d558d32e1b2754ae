package cli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/catena-monitor/catena/collectionrunner"
	"github.com/catena-monitor/catena/internal/collection"
)

// maxParallelFiles bounds how many files `catena run` executes at once.
const maxParallelFiles = 32

// runRun runs collection files now and reports the results: exit 0 when every
// run passed, 1 when one failed, 2 when one errored or an input was invalid.
func runRun(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "run")
	vars := kvFlag{what: "variable"}
	secrets := kvFlag{what: "secret"}
	var deny cidrFlag
	fs.Var(&vars, "var", "set a collection variable NAME=VALUE, overriding the file (repeatable)")
	fs.Var(&secrets, "secret", "set a secret NAME=VALUE for @<<secrets.NAME>>; never printed (repeatable)")
	asJSON := fs.Bool("json", false, "print one JSON object per file, one per line")
	junitPath := fs.String("junit", "", "also write a JUnit XML report to this path")
	fs.Var(&deny, "deny-cidr", "refuse to connect to addresses in this CIDR (repeatable)")
	shotsDir := fs.String("screenshots", "", "write browser steps' screenshots into this directory")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: catena run FILE... [--var NAME=VALUE]... [--secret NAME=VALUE]... [--json] [--junit PATH] [--deny-cidr CIDR]... [--screenshots DIR]\n\n"+
			"Runs each file's collection (files in parallel) and prints the results in file order.\n"+
			"Exit 0: all passed; 1: a run failed; 2: a run errored or an input was invalid.")
		fs.PrintDefaults()
	}
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(files) == 0 {
		fs.Usage()
		return &ExitError{Code: 2, Err: errors.New("run needs at least one collection file")}
	}
	secretValues := secrets.m
	if secretValues == nil {
		secretValues = map[string]string{}
	}
	red := newRedactor(secretValues)
	stderr := redactWriter{w: e.stderr, r: red}
	allowEnv, _ := strconv.ParseBool(strings.TrimSpace(e.getenv("CATENA_ALLOW_ENV")))

	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	browser := newBrowser(e.getenv("CATENA_BROWSER"), 0, collectionrunner.GuardConfig{Deny: deny}, log)
	if browser != nil {
		defer browser.Close()
	}
	exec := collectionrunner.NewExecutor(collectionrunner.Config{
		Client:   collectionrunner.NewHTTPClient(collectionrunner.GuardConfig{Deny: deny}),
		Log:      log,
		AllowEnv: allowEnv,
		Getenv:   e.getenv,
		Browser:  browser,
	})

	// Each file runs in its own goroutine; results are printed in file order as
	// soon as a file and all the ones before it are done.
	done := make([]chan *fileResult, len(files))
	sem := make(chan struct{}, maxParallelFiles)
	var wg sync.WaitGroup
	for i, f := range files {
		done[i] = make(chan *fileResult, 1)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			done[i] <- runFile(ctx, exec, f, vars.m, secretValues, red)
		})
	}
	color := !*asJSON && isTerminal(e.stdout) && e.getenv("NO_COLOR") == ""
	results := make([]*fileResult, len(files))
	var out bytes.Buffer
	for i := range files {
		r := <-done[i]
		results[i] = r
		out.Reset()
		if err := writeScreenshots(*shotsDir, r); err != nil {
			fmt.Fprintln(stderr, err)
		}
		if *asJSON {
			writeJSONResult(&out, r)
			for _, p := range r.problems {
				fmt.Fprintln(stderr, p)
			}
		} else {
			writeHumanResult(&out, r, color)
		}
		if _, err := e.stdout.Write([]byte(red.Replace(out.String()))); err != nil {
			wg.Wait()
			return &ExitError{Code: 2, Err: fmt.Errorf("writing results: %w", err)}
		}
	}
	wg.Wait()

	if *junitPath != "" {
		if err := writeJUnit(*junitPath, results, red); err != nil {
			return &ExitError{Code: 2, Err: err}
		}
	}
	code := 0
	for _, r := range results {
		switch r.status {
		case collection.RunErrored:
			code = 2
		case collection.RunFailed:
			code = max(code, 1)
		case collection.RunPassed:
		default:
			code = 2
		}
	}
	if code != 0 {
		return &ExitError{Code: code}
	}
	return nil
}

// fileResult is one file's run, with every secret value already redacted.
type fileResult struct {
	file     string
	name     string
	status   collection.RunStatus
	invalid  bool
	problems []string // why the file is invalid
	err      string   // why the run errored, when it did as a whole
	started  time.Time
	duration time.Duration
	steps    []collection.StepResult
}

func runFile(ctx context.Context, exec *collectionrunner.Executor, file string, vars, secrets map[string]string, red *strings.Replacer) *fileResult {
	c, problems := loadCollection(file, vars, secrets)
	if len(problems) > 0 {
		r := &fileResult{file: file, name: file, status: collection.RunErrored, invalid: true, started: time.Now()}
		if c != nil && c.Name != "" {
			r.name = red.Replace(c.Name)
		}
		for _, p := range problems {
			r.problems = append(r.problems, red.Replace(p))
		}
		return r
	}
	out := exec.Run(ctx, c, nil)
	r := &fileResult{
		file:     file,
		name:     red.Replace(c.Name),
		status:   out.Status,
		err:      red.Replace(out.Error),
		started:  out.StartedAt,
		duration: out.Duration,
		steps:    out.Steps,
	}
	// A run cut short (cancelled) may report fewer steps than the collection has.
	for i := len(r.steps); i < len(c.Steps); i++ {
		r.steps = append(r.steps, collection.StepResult{Position: i, Name: c.Steps[i].Name, Status: collection.StepSkipped})
	}
	for i := range r.steps {
		redactStep(red, &r.steps[i])
	}
	return r
}

// redactStep replaces every secret value in what a step result shows. The
// executor redacts already; this keeps the CLI's promise on its own.
func redactStep(red *strings.Replacer, s *collection.StepResult) {
	s.Name = red.Replace(s.Name)
	s.Error = red.Replace(s.Error)
	s.Request.URL = red.Replace(s.Request.URL)
	s.Request.Body = red.Replace(s.Request.Body)
	for k, v := range s.Request.Headers {
		s.Request.Headers[k] = red.Replace(v)
	}
	if s.Response != nil {
		s.Response.Body = red.Replace(s.Response.Body)
		for k, vs := range s.Response.Headers {
			for i := range vs {
				vs[i] = red.Replace(vs[i])
			}
			s.Response.Headers[k] = vs
		}
	}
	for i := range s.Assertions {
		a := &s.Assertions[i]
		a.Property = red.Replace(a.Property)
		a.Target = red.Replace(a.Target)
		a.Expected = red.Replace(a.Expected)
		a.Actual = red.Replace(a.Actual)
		a.Reason = red.Replace(a.Reason)
	}
}

// newRedactor replaces secret values, in the forms a target or the runner may
// echo them (as is, JSON-escaped with or without HTML escaping, percent-escaped,
// and each of those quoted again),
// longest first so a secret that contains another is hidden whole.
func newRedactor(secrets map[string]string) *strings.Replacer {
	var forms []string
	for _, v := range secrets {
		if v == "" {
			continue
		}
		var plain bytes.Buffer
		enc := json.NewEncoder(&plain)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		html, _ := json.Marshal(v)
		for _, f := range []string{v, strings.Trim(strings.TrimSpace(plain.String()), `"`), strings.Trim(string(html), `"`), url.PathEscape(v), url.QueryEscape(v)} {
			// Messages quote values Go-style (%q), escaping them once more.
			for _, g := range []string{f, strings.Trim(strconv.Quote(f), `"`)} {
				if g != "" && !slices.Contains(forms, g) {
					forms = append(forms, g)
				}
			}
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, collection.Redacted)
	}
	return strings.NewReplacer(pairs...)
}

// redactWriter hides secret values in what is written through it; each Write
// is expected to carry whole lines (slog handlers and Fprintln do).
type redactWriter struct {
	w io.Writer
	r *strings.Replacer
}

func (rw redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// cidrFlag collects repeated --deny-cidr values.
type cidrFlag []netip.Prefix

func (f *cidrFlag) String() string {
	if f == nil {
		return ""
	}
	s := make([]string, len(*f))
	for i, p := range *f {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func (f *cidrFlag) Set(s string) error {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		if a, aerr := netip.ParseAddr(strings.TrimSpace(s)); aerr == nil {
			p = netip.PrefixFrom(a, a.BitLen())
		} else {
			return fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or 127.0.0.2/32", s)
		}
	}
	*f = append(*f, p.Masked())
	return nil
}

// isTerminal reports whether w is a character device (a terminal), the only
// case where colour is written.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// --- human output ---

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

type painter bool

func (p painter) paint(code, s string) string {
	if !p {
		return s
	}
	return code + s + ansiReset
}

func statusColor(s string) string {
	switch s {
	case "passed":
		return ansiGreen
	case "failed":
		return ansiRed
	case "errored", "interrupted":
		return ansiYellow
	}
	return ansiDim
}

var stepLabels = map[collection.StepStatus]string{
	collection.StepPassed:      "PASS ",
	collection.StepFailed:      "FAIL ",
	collection.StepErrored:     "ERROR",
	collection.StepSkipped:     "SKIP ",
	collection.StepInterrupted: "INTR ",
}

func writeHumanResult(w io.Writer, r *fileResult, color bool) {
	p := painter(color)
	fmt.Fprintf(w, "%s %s\n", p.paint(ansiBold, r.name), p.paint(ansiDim, "("+r.file+")"))
	if r.invalid {
		for _, prob := range r.problems {
			fmt.Fprintf(w, "  %s %s\n", p.paint(ansiYellow, "invalid:"), prob)
		}
		fmt.Fprintf(w, "%s  the file was not run\n\n", p.paint(ansiBold+ansiYellow, "INVALID"))
		return
	}
	width := 0
	for _, s := range r.steps {
		width = max(width, len(s.Name))
	}
	passedA, totalA := 0, 0
	for _, s := range r.steps {
		label := cmp.Or(stepLabels[s.Status], strings.ToUpper(string(s.Status)))
		fmt.Fprintf(w, "  %s %-*s", p.paint(statusColor(string(s.Status)), label), width, s.Name)
		if s.Request.Method != "" {
			fmt.Fprintf(w, "  %s %s", s.Request.Method, s.Request.URL)
		}
		if s.Response != nil {
			fmt.Fprintf(w, "  → %d", s.Response.Status)
		}
		if s.Status != collection.StepSkipped && s.Timings.Total > 0 {
			fmt.Fprintf(w, "  %s", formatMS(s.Timings.Total))
		}
		if s.Tries > 1 {
			fmt.Fprintf(w, "  (%d tries)", s.Tries)
		}
		fmt.Fprintln(w)
		if s.Error != "" || s.ErrorCode != "" {
			msg := s.Error
			if s.ErrorCode != "" {
				msg = s.ErrorCode + ": " + msg
			}
			fmt.Fprintf(w, "        %s %s\n", p.paint(statusColor(string(s.Status)), "error:"), msg)
		}
		for _, a := range s.Assertions {
			totalA++
			mark := p.paint(ansiGreen, "✓")
			if a.Passed {
				passedA++
			} else {
				mark = p.paint(ansiRed, "✗")
			}
			fmt.Fprintf(w, "        %s %s  %s", mark, describeAssertion(a.Assertion), expectedActual(a))
			if !a.Passed && a.Reason != "" {
				fmt.Fprintf(w, " — %s", a.Reason)
			}
			fmt.Fprintln(w)
		}
	}
	verdict := strings.ToUpper(string(r.status))
	fmt.Fprintf(w, "%s  %s, %d/%d assertions passed, %s", p.paint(ansiBold+statusColor(string(r.status)), verdict),
		plural(len(r.steps), "step"), passedA, totalA, formatMS(r.duration))
	if r.err != "" {
		fmt.Fprintf(w, " — %s", r.err)
	}
	fmt.Fprint(w, "\n\n")
}

func describeAssertion(a collection.Assertion) string {
	s := string(a.Source)
	if a.Property != "" {
		s += " " + a.Property
	}
	s += " " + string(a.Comparison)
	if a.Target != "" && a.Comparison.NeedsTarget() {
		s += " " + quoteShort(a.Target)
	}
	return s
}

// expectedActual shows what was expected and what was found; comparisons
// without a target (exists, is_empty…) show only the actual value.
func expectedActual(a collection.AssertionResult) string {
	if a.Expected == "" && !a.Comparison.NeedsTarget() {
		return "actual " + quoteShort(a.Actual)
	}
	return "expected " + quoteShort(a.Expected) + ", actual " + quoteShort(a.Actual)
}

// quoteShort shows a value on one line, quoted when it has spaces or is empty,
// cut to 120 characters.
func quoteShort(s string) string {
	if r := []rune(s); len(r) > 120 {
		s = string(r[:117]) + "…"
	}
	if s == "" || strings.ContainsAny(s, " \t\r\n\"") {
		return strconv.Quote(s)
	}
	return s
}

func formatMS(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 2, 64) + " ms"
	case ms < 100:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}

// --- JSON output (the contract in docs/architecture: exactly these fields) ---

type jsonRun struct {
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	DurationMS int64      `json:"duration_ms"`
	Steps      []jsonStep `json:"steps"`
}

type jsonStep struct {
	Name       string          `json:"name"`
	Status     string          `json:"status"`
	Error      string          `json:"error"`
	Request    jsonRequest     `json:"request"`
	Response   jsonResponse    `json:"response"`
	Assertions []jsonAssertion `json:"assertions"`
	Browser    *jsonBrowser    `json:"browser,omitempty"`
}

type jsonRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

type jsonResponse struct {
	Status    int   `json:"status"`
	LatencyMS int64 `json:"latency_ms"`
}

type jsonAssertion struct {
	Source     string `json:"source"`
	Property   string `json:"property"`
	Comparison string `json:"comparison"`
	Expected   string `json:"expected"`
	Actual     string `json:"actual"`
	Passed     bool   `json:"passed"`
}

func stepError(s collection.StepResult) string {
	switch {
	case s.Error != "":
		return s.Error
	case s.ErrorCode != "":
		return s.ErrorCode
	}
	return ""
}

func writeJSONResult(w io.Writer, r *fileResult) {
	out := jsonRun{Name: r.name, Status: string(r.status), DurationMS: r.duration.Milliseconds(), Steps: []jsonStep{}}
	for _, s := range r.steps {
		js := jsonStep{
			Name:       s.Name,
			Status:     strings.ToLower(string(s.Status)),
			Error:      stepError(s),
			Request:    jsonRequest{Method: s.Request.Method, URL: s.Request.URL},
			Response:   jsonResponse{LatencyMS: s.Timings.Total.Milliseconds()},
			Assertions: []jsonAssertion{},
		}
		if s.Response != nil {
			js.Response.Status = s.Response.Status
		}
		js.Browser = browserJSON(s.Browser)
		for _, a := range s.Assertions {
			js.Assertions = append(js.Assertions, jsonAssertion{
				Source: string(a.Source), Property: a.Property, Comparison: string(a.Comparison),
				Expected: a.Expected, Actual: a.Actual, Passed: a.Passed,
			})
		}
		out.Steps = append(out.Steps, js)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out) // encoding these plain structs cannot fail
}

// --- JUnit XML ---

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	File      string      `xml:"file,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *struct{}     `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

func writeJUnit(path string, results []*fileResult, red *strings.Replacer) error {
	doc := junitSuites{Name: "catena"}
	var total time.Duration
	for _, r := range results {
		suite := junitSuite{Name: r.name, File: r.file, Time: seconds(r.duration), Timestamp: r.started.UTC().Format(time.RFC3339)}
		total += r.duration
		if r.invalid {
			suite.Tests, suite.Errors = 1, 1
			suite.Cases = []junitCase{{
				Name: "validate", Classname: r.name, Time: "0.000",
				Error: &junitProblem{Message: "the collection file is invalid", Type: "invalid", Text: strings.Join(r.problems, "\n")},
			}}
		}
		for _, s := range r.steps {
			c := junitCase{Name: s.Name, Classname: r.name, Time: seconds(s.Timings.Total)}
			var detail strings.Builder
			if s.Request.Method != "" {
				fmt.Fprintf(&detail, "%s %s", s.Request.Method, s.Request.URL)
				if s.Response != nil {
					fmt.Fprintf(&detail, " → %d", s.Response.Status)
				}
				detail.WriteString("\n")
			}
			failed := 0
			for _, a := range s.Assertions {
				mark := "passed"
				if !a.Passed {
					mark = "FAILED"
					failed++
				}
				fmt.Fprintf(&detail, "%s: %s: %s", mark, describeAssertion(a.Assertion), expectedActual(a))
				if !a.Passed && a.Reason != "" {
					fmt.Fprintf(&detail, " (%s)", a.Reason)
				}
				detail.WriteString("\n")
			}
			switch s.Status {
			case collection.StepFailed:
				suite.Failures++
				msg := fmt.Sprintf("%d of %d assertions failed", failed, len(s.Assertions))
				if failed == 0 {
					msg = cmp.Or(stepError(s), "the step failed")
				}
				c.Failure = &junitProblem{Message: msg, Type: cmp.Or(s.ErrorCode, "assertion"), Text: detail.String()}
			case collection.StepErrored, collection.StepInterrupted:
				suite.Errors++
				c.Error = &junitProblem{Message: cmp.Or(stepError(s), "the step could not be executed"), Type: cmp.Or(s.ErrorCode, string(s.Status)), Text: detail.String()}
			case collection.StepSkipped:
				suite.Skipped++
				c.Skipped = &struct{}{}
			default:
				c.SystemOut = detail.String()
			}
			suite.Tests++
			suite.Cases = append(suite.Cases, c)
		}
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Errors += suite.Errors
		doc.Skipped += suite.Skipped
		doc.Suites = append(doc.Suites, suite)
	}
	doc.Time = seconds(total)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encoding the JUnit report: %w", err)
	}
	b.WriteString("\n")
	// Values were redacted before encoding; this catches any that escaped it.
	if err := os.WriteFile(path, []byte(red.Replace(b.String())), 0o600); err != nil {
		return fmt.Errorf("writing the JUnit report: %w", err)
	}
	return nil
}
