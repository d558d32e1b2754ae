package postman

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/catena-monitor/catena/internal/collection"
)

// pmEnvironment is a Postman environment or globals export.
type pmEnvironment struct {
	Name   string `json:"name"`
	Scope  string `json:"_postman_variable_scope"`
	Values []struct {
		Key     string          `json:"key"`
		Value   json.RawMessage `json:"value"`
		Enabled *bool           `json:"enabled"`
		Type    string          `json:"type"`
	} `json:"values"`
}

// secretKeyRE matches variable names whose values are credentials.
var secretKeyRE = regexp.MustCompile(`(?i)(token|secret|passw(or)?d|pwd|api[-_ ]?key|apikey|auth|credential|private|session|cookie|bearer|signature)`)

// LooksSecret reports whether a variable named key probably holds a credential.
func LooksSecret(key string) bool { return secretKeyRE.MatchString(key) }

// environment merges one environment or globals file into the collection's
// variables and secrets.
func (im *importer) environment(data []byte) error {
	if len(data) > collection.MaxFileBytes {
		return &collection.ParseError{Msg: fmt.Sprintf("file is %d bytes; at most %d", len(data), collection.MaxFileBytes)}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var env pmEnvironment
	if err := json.Unmarshal(data, &env); err != nil {
		return postmanJSONError(data, err)
	}
	if env.Values == nil {
		return &collection.ParseError{Msg: "not a Postman environment or globals file: no \"values\" list found"}
	}
	// A named environment file becomes an environment of the collection
	// (dev, staging…); a globals file, or one without a name, fills the
	// collection's own variables and secrets.
	name := sanitize(strings.TrimSpace(env.Name), false)
	named := env.Scope != "globals" && strings.TrimSpace(env.Name) != "" && collection.ValidEnvironmentName(name)
	var target collection.Environment
	if named {
		target = im.c.Environments[name]
	}
	for _, v := range env.Values {
		if v.Key == "" || (v.Enabled != nil && !*v.Enabled) {
			continue
		}
		key := im.key(v.Key)
		value := pmValue(v.Value)
		im.defined[v.Key] = true
		if v.Type == "secret" || LooksSecret(v.Key) || slices.Contains(im.secrets, v.Key) {
			if !slices.Contains(im.secrets, v.Key) {
				im.secrets = append(im.secrets, v.Key)
			}
			if named {
				if old, ok := im.c.Variables[key]; ok {
					// Requests now read it as a secret, in every environment.
					delete(im.c.Variables, key)
					im.addSecret(key, old)
				}
				delete(target.Variables, key)
				if !slices.Contains(target.Secrets, key) {
					target.Secrets = append(target.Secrets, key)
				}
				if target.SecretValues == nil {
					target.SecretValues = map[string]string{}
				}
				target.SecretValues[key] = value
				continue
			}
			delete(im.c.Variables, key)
			im.addSecret(key, value)
			continue
		}
		if pmVarRE.MatchString(value) {
			im.warn("environment %q: the value of %q uses another variable (%s), which Catena does not expand inside a variable; edit it", strings.TrimSpace(env.Name), v.Key, truncate(value, 60))
		}
		vars := &im.c.Variables
		if named {
			vars = &target.Variables
		}
		if *vars == nil {
			*vars = map[string]string{}
		}
		(*vars)[key] = value
	}
	if named {
		if im.c.Environments == nil {
			im.c.Environments = map[string]collection.Environment{}
		}
		im.c.Environments[name] = target
	}
	return nil
}

// fillEnvironmentGaps gives the collection a variable that some of its
// environments define and others lack (with the first environment's value,
// and a warning), so the requests that use it stay valid in every one.
func (im *importer) fillEnvironmentGaps() {
	names := im.c.EnvironmentNames()
	for _, n := range names {
		for _, k := range slices.Sorted(maps.Keys(im.c.Environments[n].Variables)) {
			if _, ok := im.c.Variables[k]; ok {
				continue
			}
			var lacking []string
			for _, o := range names {
				if _, ok := im.c.Environments[o].Variables[k]; !ok {
					lacking = append(lacking, o)
				}
			}
			if len(lacking) == 0 {
				continue
			}
			if im.c.Variables == nil {
				im.c.Variables = map[string]string{}
			}
			im.c.Variables[k] = im.c.Environments[n].Variables[k]
			im.warn("variable %q is defined in environment %q but not in %s; the collection keeps %q's value for those", k, n, strings.Join(lacking, ", "), n)
		}
	}
}
