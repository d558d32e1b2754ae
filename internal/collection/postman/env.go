package postman

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	for _, v := range env.Values {
		if v.Key == "" || (v.Enabled != nil && !*v.Enabled) {
			continue
		}
		key := im.key(v.Key)
		value := pmValue(v.Value)
		im.defined[v.Key] = true
		if v.Type == "secret" || LooksSecret(v.Key) || slices.Contains(im.secrets, v.Key) {
			delete(im.c.Variables, key)
			if !slices.Contains(im.secrets, v.Key) {
				im.secrets = append(im.secrets, v.Key)
			}
			im.addSecret(key, value)
			continue
		}
		if pmVarRE.MatchString(value) {
			im.warn("environment %q: the value of %q uses another variable (%s), which Catena does not expand inside a variable; edit it", strings.TrimSpace(env.Name), v.Key, truncate(value, 60))
		}
		if im.c.Variables == nil {
			im.c.Variables = map[string]string{}
		}
		im.c.Variables[key] = value
	}
	return nil
}
