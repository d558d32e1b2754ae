package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/catena-monitor/catena/collectionrunner"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/netguard"
	"github.com/catena-monitor/catena/internal/secret"
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
	envName := fs.String("env", "", "run in this environment of each file (its variables and secrets override the collection's)")
	asJSON := fs.Bool("json", false, "print one JSON object per file, one per line")
	junitPath := fs.String("junit", "", "also write a JUnit XML report to this path")
	fs.Var(&deny, "deny-cidr", "refuse to connect to addresses in this CIDR (repeatable)")
	var sensitive listFlag
	fs.Var(&sensitive, "sensitive", "mask the value of this response reference (login.body.token) wherever it appears in the output (repeatable)")
	redactValues := fs.Bool("redact-values", false, "mask every value read from a response in the output (assertion actual, expected and target values, bodies)")
	shotsDir := fs.String("screenshots", "", "write browser steps' screenshots into this directory")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: catena run FILE... [--env NAME] [--var NAME=VALUE]... [--secret NAME=VALUE]... [--json] [--junit PATH] [--deny-cidr CIDR]... [--sensitive REF]... [--redact-values] [--screenshots DIR]\n\n"+
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
	sensitiveRefs, err := parseSensitive(sensitive)
	if err != nil {
		return usageError(err)
	}
	mask := maskOptions{sensitive: sensitiveRefs, allValues: *redactValues}
	secretValues := secrets.m
	if secretValues == nil {
		secretValues = map[string]string{}
	}
	red := secret.NewRedactor(secretValues)
	stderr := red.Writer(e.stderr)
	allowEnv, _ := strconv.ParseBool(strings.TrimSpace(e.getenv("CATENA_ALLOW_ENV")))

	log := slog.New(red.Handler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	browser := newBrowser(e.getenv("CATENA_BROWSER"), 0, netguard.Config{Deny: deny}, log)
	if browser != nil {
		defer browser.Close()
	}
	exec := collectionrunner.NewExecutor(collectionrunner.Config{
		Client:   collectionrunner.NewHTTPClient(netguard.Config{Deny: deny}),
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
			r := runFile(ctx, exec, f, *envName, vars.m, secretValues, red)
			maskResults(r, mask)
			done[i] <- r
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
		if _, err := e.stdout.Write([]byte(red.Redact(out.String()))); err != nil {
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
	env      string // the environment run in (--env), "" for none
	status   collection.RunStatus
	invalid  bool
	problems []string // why the file is invalid
	err      string   // why the run errored, when it did as a whole
	started  time.Time
	duration time.Duration
	steps    []collection.StepResult
}

func runFile(ctx context.Context, exec *collectionrunner.Executor, file, env string, vars, secrets map[string]string, red *secret.Redactor) *fileResult {
	c, problems := loadCollection(file, vars, secrets, env)
	if len(problems) == 0 && env == "" && len(c.Environments) > 0 {
		// Without --env the collection runs alone: a variable only its
		// environments define would not resolve.
		if _, err := inEnvironment(c, "", vars, secrets); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v (the file defines environments %s: choose one with --env)", file, err, strings.Join(c.EnvironmentNames(), ", ")))
		}
	}
	if len(problems) > 0 {
		r := &fileResult{file: file, name: file, env: env, status: collection.RunErrored, invalid: true, started: time.Now()}
		if c != nil && c.Name != "" {
			r.name = red.Redact(c.Name)
		}
		for _, p := range problems {
			r.problems = append(r.problems, red.Redact(p))
		}
		return r
	}
	out := exec.Run(ctx, c, nil)
	r := &fileResult{
		file:     file,
		name:     red.Redact(c.Name),
		env:      env,
		status:   out.Status,
		err:      red.Redact(out.Error),
		started:  out.StartedAt,
		duration: out.Duration,
		steps:    out.Steps,
	}
	// A run cut short (cancelled) may report fewer steps than the collection has.
	for i := len(r.steps); i < len(c.Steps); i++ {
		r.steps = append(r.steps, collection.StepResult{Position: i, Name: c.Steps[i].Name, Status: collection.StepSkipped})
	}
	// The executor redacts already; this keeps the CLI's promise on its own.
	for i := range r.steps {
		red.StepResult(&r.steps[i])
	}
	return r
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
