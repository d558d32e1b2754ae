// Package cli holds Catena's subcommands. It is wiring only: it reads
// configuration, builds the pool, the logger and the HTTP clients, and hands
// them to the packages that do the work.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/catena-monitor/catena/internal/config"
)

// ExitError carries the process exit code a command wants; only main exits.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// env is what every command receives.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run gateway, runner, scheduler and GUI in one process", runServe},
		{"gateway", "run the GraphQL API and GUI only", runGateway},
		{"runner", "run queued collection runs (--location, --concurrency)", runRunner},
		{"scheduler", "trigger monitors on their schedules", runScheduler},
		{"run", "run collection files now and print the results", runRun},
		{"validate", "check collection files without sending requests", runValidate},
		{"import", "convert a Postman collection, HAR file or curl command into a Catena file", runImport},
		{"schedules", "repair drift between monitors and EventBridge schedules (schedules reconcile)", runSchedules},
		{"migrate", "apply (up), roll back (down) or show (status) database migrations", runMigrate},
		{"token", "manage API tokens (token create NAME)", runToken},
		{"audit", "export the audit log as JSON lines (audit export --since 24h)", runAudit},
		{"doctor", "check the run and alert invariants in the database (--since 24h); exit 1 on a violation", runDoctor},
		{"demo-api", "serve the chained demo API used by the quick start and benchmarks", runDemoAPI},
		{"version", "print the version", runVersion},
	}
}

// Run executes the subcommand named by args[0].
func Run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	e := env{getenv: getenv, stdout: stdout, stderr: os.Stderr}
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		return nil
	}
	i := slices.IndexFunc(cmds, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		usage(e.stderr, cmds)
		return &ExitError{Code: 2, Err: fmt.Errorf("unknown command %q", args[0])}
	}
	err := cmds[i].run(ctx, e, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func usage(w io.Writer, cmds []command) {
	fmt.Fprintln(w, "Catena monitors chained API workflows.\n\nUsage: catena COMMAND [flags]\n\nCommands:")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}

// loadConfig reads the configuration and builds the logger.
func loadConfig(e env) (*config.Config, *slog.Logger, error) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return nil, nil, &ExitError{Code: 2, Err: fmt.Errorf("configuration:\n%w", err)}
	}
	return cfg, newLogger(cfg, e.stderr), nil
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(e env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("catena "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}
