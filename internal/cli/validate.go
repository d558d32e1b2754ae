package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/catena-monitor/catena/internal/collection"
)

// runValidate checks collection files without sending anything: exit 0 when
// every file is valid, 2 otherwise, with one line per problem naming the file,
// the step and the field.
func runValidate(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "validate")
	vars := kvFlag{what: "variable"}
	fs.Var(&vars, "var", "set a collection variable NAME=VALUE before validating (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: catena validate FILE... [--var NAME=VALUE]...\n\nChecks collection files (JSON or YAML) without sending requests. Exit 0: all valid; 2: a problem.")
		fs.PrintDefaults()
	}
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(files) == 0 {
		fs.Usage()
		return &ExitError{Code: 2, Err: errors.New("validate needs at least one collection file")}
	}
	bad := 0
	for _, f := range files {
		c, problems := loadCollection(f, vars.m, nil, "")
		if len(problems) > 0 {
			bad++
			for _, p := range problems {
				fmt.Fprintln(e.stdout, p)
			}
			continue
		}
		n := 0
		for _, s := range c.Steps {
			n += len(s.Assertions)
		}
		fmt.Fprintf(e.stdout, "%s: ok (%q: %s, %s)\n", f, c.Name, plural(len(c.Steps), "step"), plural(n, "assertion"))
	}
	if bad > 0 {
		fmt.Fprintf(e.stdout, "%d of %s invalid\n", bad, plural(len(files), "file"))
		return &ExitError{Code: 2}
	}
	return nil
}

// loadCollection reads, decodes and validates one file. vars override the
// file's variables before validation; secrets, when non-nil, are the secret
// values available, so references to other secrets are reported. Each problem
// is a line that names the file (with line:col for syntax errors), the step
// and the field.
func loadCollection(file string, vars, secrets map[string]string, env string) (*collection.Collection, []string) {
	data, err := os.ReadFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, []string{fmt.Sprintf("%s: cannot read the file: %v", file, err)}
	}
	c, err := collection.Decode(data, file)
	if err != nil {
		return nil, []string{err.Error()}
	}
	c.Normalize()
	if len(vars) > 0 {
		if c.Variables == nil {
			c.Variables = map[string]string{}
		}
		maps.Copy(c.Variables, vars)
	}
	c.Secrets = secrets
	err = errors.Join(c.Validate(), c.RequireSteps())
	if err == nil && env != "" {
		c, err = inEnvironment(c, env, vars, secrets)
	}
	if err == nil {
		return c, nil
	}
	var problems []string
	var ve *collection.ValidationError
	for _, e := range unjoin(err) {
		if errors.As(e, &ve) {
			for _, f := range ve.Fields {
				problems = append(problems, file+": "+f.Error())
			}
			continue
		}
		problems = append(problems, file+": "+e.Error())
	}
	return c, problems
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// kvFlag collects repeated NAME=VALUE flags.
type kvFlag struct {
	what string
	m    map[string]string
}

func (f *kvFlag) String() string {
	if f == nil {
		return ""
	}
	return strings.Join(slices.Sorted(maps.Keys(f.m)), ",")
}

func (f *kvFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want NAME=VALUE for a %s, got %q", f.what, strings.SplitN(s, "=", 2)[0])
	}
	if f.m == nil {
		f.m = map[string]string{}
	}
	f.m[strings.TrimSpace(k)] = v
	return nil
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments (catena run a.yaml --json b.yaml); "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// inEnvironment is c as it runs in environment env (--env): the environment's
// variables over the collection's, --var over both, and checked again, so a
// variable another environment defines or a secret the environment declares
// but --secret did not give is an error before anything is sent.
func inEnvironment(c *collection.Collection, env string, vars, secrets map[string]string) (*collection.Collection, error) {
	declared := c.Environments[env].Secrets
	out, err := c.ForEnvironment(env)
	if err != nil {
		return c, err
	}
	if len(vars) > 0 {
		out.Variables = maps.Clone(out.Variables)
		if out.Variables == nil {
			out.Variables = map[string]string{}
		}
		maps.Copy(out.Variables, vars)
	}
	out.Secrets = secrets
	var missing []error
	for _, name := range declared {
		if _, ok := secrets[name]; !ok {
			missing = append(missing, collection.Invalid("environments."+env+".secrets", "environment %q needs secret %q: pass --secret %s=VALUE", env, name, name))
		}
	}
	return out, errors.Join(append(missing, out.Validate())...)
}
