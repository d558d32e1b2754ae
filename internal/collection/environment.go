package collection

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Limits on environments.
const (
	MaxEnvironments       = 20
	MaxEnvironmentNameLen = 100
)

// Environment is a named set of variables and secrets (dev, staging, prod)
// laid over a collection's own when a run picks it: its values override the
// collection's, and @<<vars.NAME>> and @<<secrets.NAME>> resolve through it.
type Environment struct {
	Variables map[string]string `json:"variables,omitempty" yaml:"variables,omitempty"`
	// Secrets names the environment's secrets. Files and API answers carry
	// names only; the values are set through the API (stored sealed) or given
	// to `catena run` with --secret.
	Secrets []string `json:"secrets,omitempty" yaml:"secrets,omitempty"`
	// SecretValues are values to store, in memory only (API input).
	SecretValues map[string]string `json:"-" yaml:"-"`
	// Shared marks an environment stored outside the collection and shared by
	// name with every collection; a collection's own environment of the same
	// name wins over it. Shared environments are not part of the file.
	Shared bool `json:"-" yaml:"-"`
}

// EnvironmentNames lists the environments of c, sorted.
func (c *Collection) EnvironmentNames() []string { return sortedKeys(c.Environments) }

// UnknownEnvironmentError is a run asking for an environment the collection
// does not have; it names the ones it has.
type UnknownEnvironmentError struct {
	Collection string
	Name       string
	Known      []string
}

func (e *UnknownEnvironmentError) Error() string {
	return fmt.Sprintf("collection %q has no environment %q; environments: %s", e.Collection, e.Name, listOrNone(e.Known))
}

// Is reports ErrInvalid.
func (e *UnknownEnvironmentError) Is(target error) bool { return target == ErrInvalid }

// ForEnvironment returns c as it runs in environment name: the environment's
// variables laid over the collection's, and no environments left (the run's
// snapshot holds only what ran). An empty name is the collection alone. The
// secrets are not merged here: they are opened only by the runner (or given
// to the CLI), through SecretsFor.
func (c *Collection) ForEnvironment(name string) (*Collection, error) {
	out := *c
	out.Environments = nil
	if name == "" {
		return &out, nil
	}
	env, ok := c.Environments[name]
	if !ok {
		return nil, &UnknownEnvironmentError{Collection: c.Name, Name: name, Known: c.EnvironmentNames()}
	}
	if len(env.Variables) > 0 {
		vars := maps.Clone(c.Variables)
		if vars == nil {
			vars = make(map[string]string, len(env.Variables))
		}
		maps.Copy(vars, env.Variables)
		out.Variables = vars
	}
	return &out, nil
}

// MergeSecrets lays an environment's secret values over the collection's.
func MergeSecrets(collectionSecrets, environmentSecrets map[string]string) map[string]string {
	out := maps.Clone(collectionSecrets)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, environmentSecrets)
	return out
}

// ownEnvironments are the environments defined in the collection itself
// (validation and files ignore shared ones).
func (c *Collection) ownEnvironments() []string {
	var names []string
	for _, n := range sortedKeys(c.Environments) {
		if !c.Environments[n].Shared {
			names = append(names, n)
		}
	}
	return names
}

// ValidEnvironmentName reports whether s can name an environment.
func ValidEnvironmentName(s string) bool { return validKey(s) && len(s) <= MaxEnvironmentNameLen }

// validateEnvironments checks the environments' names, variables and secret
// names; every error names the environment and the key.
func validateEnvironments(v *ValidationError, c *Collection) {
	if len(c.Environments) > MaxEnvironments {
		v.add("environments", "", "%d environments; at most %d", len(c.Environments), MaxEnvironments)
	}
	for _, name := range c.ownEnvironments() {
		ValidateEnvironment(v, name, c.Environments[name])
	}
}

// ValidateEnvironment checks one environment (of a collection or shared)
// into v, under the path environments.NAME.
func ValidateEnvironment(v *ValidationError, name string, env Environment) {
	p := "environments." + name
	if !ValidEnvironmentName(name) {
		v.add(p, "", "environment name %q may hold only letters, digits, _ and - (at most %d characters)", name, MaxEnvironmentNameLen)
	}
	if len(env.Variables) > MaxVariables {
		v.add(p+".variables", "", "environment %q has %d variables; at most %d", name, len(env.Variables), MaxVariables)
	}
	for _, k := range sortedKeys(env.Variables) {
		kp := p + ".variables." + k
		if !validKey(k) {
			v.add(kp, "", "environment %q: variable name %q may hold only letters, digits, _ and -", name, k)
		}
		val := env.Variables[k]
		if len(val) > MaxBodyBytes {
			v.add(kp, "", "environment %q: value of %q is %d bytes; at most %d", name, k, len(val), MaxBodyBytes)
		} else if checkText(v, kp, "", val) && HasReferences(val) {
			v.add(kp, "", "environment %q: the value of %q holds a reference; a variable's value is inserted as written and never expanded, so give it its value directly", name, k)
		}
	}
	seen := map[string]bool{}
	for i, s := range env.Secrets {
		sp := fmt.Sprintf("%s.secrets[%d]", p, i)
		switch {
		case !validKey(s):
			v.add(sp, "", "environment %q: secret name %q may hold only letters, digits, _ and -", name, s)
		case seen[s]:
			v.add(sp, "", "environment %q: secret %q is listed twice", name, s)
		case env.Variables[s] != "" || hasKey(env.Variables, s):
			v.add(sp, "", "environment %q: %q is both a variable and a secret; keep one", name, s)
		}
		seen[s] = true
	}
	for _, k := range sortedKeys(env.SecretValues) {
		if !validKey(k) {
			v.add(p+".secrets."+k, "", "environment %q: secret name %q may hold only letters, digits, _ and -", name, k)
		}
	}
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// unresolvableVar explains why @<<vars.NAME>> cannot resolve: a variable
// resolves when the collection defines it or when every environment of the
// collection does (whichever the run picks then has it).
func unresolvableVar(c *Collection, r Reference) string {
	if hasKey(c.Variables, r.Name) {
		return ""
	}
	envs := c.ownEnvironments()
	var missing []string
	for _, n := range envs {
		if !hasKey(c.Environments[n].Variables, r.Name) {
			missing = append(missing, n)
		}
	}
	if len(envs) > 0 && len(missing) == 0 {
		return ""
	}
	if len(envs) > 0 && len(missing) < len(envs) {
		return fmt.Sprintf("variable %q in %s is not defined in the collection's variables nor in environment %s; define it in the collection or in every environment", r.Name, r.Raw, strings.Join(quoteAll(missing), ", "))
	}
	return fmt.Sprintf("unknown variable %q in %s; variables: %s", r.Name, r.Raw, listOrNone(sortedKeys(c.Variables)))
}

// unresolvableSecret is the same rule for @<<secrets.NAME>>, checked only
// when the collection's secrets are known (c.Secrets non-nil).
func unresolvableSecret(c *Collection, r Reference) string {
	if c.Secrets == nil || hasKey(c.Secrets, r.Name) {
		return ""
	}
	for _, n := range c.ownEnvironments() {
		env := c.Environments[n]
		if slices.Contains(env.Secrets, r.Name) || hasKey(env.SecretValues, r.Name) {
			return ""
		}
	}
	return fmt.Sprintf("unknown secret %q in %s; secrets: %s", r.Name, r.Raw, listOrNone(sortedKeys(c.Secrets)))
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

// withoutShared returns c without its shared environments (a copy when it
// had any).
func withoutShared(c *Collection) *Collection {
	own := c.ownEnvironments()
	if len(own) == len(c.Environments) {
		return c
	}
	out := *c
	out.Environments = nil
	if len(own) > 0 {
		out.Environments = make(map[string]Environment, len(own))
		for _, n := range own {
			out.Environments[n] = c.Environments[n]
		}
	}
	return &out
}

// CheckEnvironment validates c as a run in environment env would use it (""
// for none), so that every @<<vars.NAME>> resolves there. Secret references
// are left to the runner, as for a collection without environments. It is
// how "run now" and a monitor refuse, before anything is queued, a run that
// would stop at its first unresolved variable.
func (c *Collection) CheckEnvironment(env string) error {
	out, err := c.ForEnvironment(env)
	if err != nil {
		return err
	}
	out.Secrets = nil
	return out.Validate()
}
