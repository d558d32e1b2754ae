package collection

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestEnvironmentsFile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/environments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "environments.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := c.EnvironmentNames(); !reflect.DeepEqual(got, []string{"prod", "staging"}) {
		t.Fatalf("environments %q, want prod and staging", got)
	}
	if got := c.Environments["staging"].Secrets; !reflect.DeepEqual(got, []string{"api_key"}) {
		t.Errorf("staging secrets %q, want [api_key]", got)
	}

	prod, err := c.ForEnvironment("prod")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"base": "http://127.0.0.1:8082", "user": "robot"}
	if !reflect.DeepEqual(prod.Variables, want) {
		t.Errorf("prod variables %v, want %v (the environment overrides the collection)", prod.Variables, want)
	}
	if prod.Environments != nil {
		t.Errorf("a run's snapshot keeps environments %v; it should hold only what ran", prod.Environments)
	}
	if c.Variables["base"] != "http://127.0.0.1:8080" {
		t.Errorf("ForEnvironment changed the collection itself: base = %q", c.Variables["base"])
	}
	staging, _ := c.ForEnvironment("staging")
	if staging.Variables["user"] != "demo" || staging.Variables["base"] != "http://127.0.0.1:8081" {
		t.Errorf("staging variables %v: base from staging, user from the collection", staging.Variables)
	}

	_, err = c.ForEnvironment("qa")
	var unknown *UnknownEnvironmentError
	if !errors.As(err, &unknown) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("ForEnvironment(qa) = %v, want an UnknownEnvironmentError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"qa"`) || !strings.Contains(msg, "prod, staging") {
		t.Errorf("message %q should name qa and list prod, staging", msg)
	}

	// Round trip: the file written back parses to the same environments.
	for _, f := range []Format{FormatYAML, FormatJSON} {
		out, err := Marshal(c, f)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(out, "back")
		if err != nil {
			t.Fatalf("%s round trip: %v\n%s", f, err, out)
		}
		if !reflect.DeepEqual(back.Environments, c.Environments) {
			t.Errorf("%s round trip: environments %v, want %v", f, back.Environments, c.Environments)
		}
	}

	// A shared environment is not part of the file.
	withShared := *c
	withShared.Environments = map[string]Environment{"prod": c.Environments["prod"], "team": {Shared: true, Variables: map[string]string{"base": "x"}}}
	out, _ := Marshal(&withShared, FormatYAML)
	if strings.Contains(string(out), "team") {
		t.Errorf("the file holds the shared environment team:\n%s", out)
	}
}

func TestEnvironmentsValidate(t *testing.T) {
	t.Parallel()
	base := func() *Collection {
		return &Collection{
			Name:  "c",
			Steps: []Step{{Name: "a", Method: "GET", URL: "@<<vars.base>>/x"}},
		}
	}
	tests := []struct {
		name string
		envs map[string]Environment
		vars map[string]string
		want []string // substrings of the error; nil: valid
	}{
		{"a variable every environment defines resolves", map[string]Environment{
			"dev": {Variables: map[string]string{"base": "http://127.0.0.1:1"}}, "prod": {Variables: map[string]string{"base": "http://127.0.0.1:2"}},
		}, nil, nil},
		{"a variable one environment lacks names that environment", map[string]Environment{
			"dev": {Variables: map[string]string{"base": "http://127.0.0.1:1"}}, "prod": {},
		}, nil, []string{"steps[0].url", `environment "prod"`, `"base"`}},
		{"a collection variable covers every environment", map[string]Environment{"prod": {}}, map[string]string{"base": "http://127.0.0.1:1"}, nil},
		{"bad environment name", map[string]Environment{"pr od": {Variables: map[string]string{"base": "x"}}}, nil,
			[]string{"environments.pr od", `environment name "pr od"`}},
		{"bad variable name names environment and key", map[string]Environment{"dev": {Variables: map[string]string{"base": "x", "a b": "1"}}}, nil,
			[]string{"environments.dev.variables.a b", `environment "dev"`, `"a b"`}},
		{"a reference in an environment value", map[string]Environment{"dev": {Variables: map[string]string{"base": "@<<vars.other>>"}}}, nil,
			[]string{"environments.dev.variables.base", "never expanded"}},
		{"secret listed twice", map[string]Environment{"dev": {Variables: map[string]string{"base": "x"}, Secrets: []string{"k", "k"}}}, nil,
			[]string{"environments.dev.secrets[1]", "listed twice"}},
		{"a name both variable and secret", map[string]Environment{"dev": {Variables: map[string]string{"base": "x"}, Secrets: []string{"base"}}}, nil,
			[]string{"environments.dev.secrets[0]", "both a variable and a secret"}},
		{"no environment and no variable", nil, nil, []string{`unknown variable "base"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := base()
			c.Environments, c.Variables = tt.envs, tt.vars
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate passed, want an error with %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestEnvironmentSecretReferences(t *testing.T) {
	t.Parallel()
	c := &Collection{
		Name:         "c",
		Secrets:      map[string]string{},
		Environments: map[string]Environment{"prod": {Secrets: []string{"token"}}},
		Steps:        []Step{{Name: "a", Method: "GET", URL: "http://127.0.0.1/", Headers: map[string]string{"A": "@<<secrets.token>>"}}},
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("a secret an environment declares should resolve: %v", err)
	}
	c.Environments = nil
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `unknown secret "token"`) {
		t.Fatalf("Validate = %v, want unknown secret token", err)
	}
}

func TestMonitorRetryValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		retry MonitorRetry
		want  string
	}{
		{MonitorRetry{Retries: 2, Delay: 30e9}, ""},
		{MonitorRetry{Retries: 6}, "retry.retries"},
		{MonitorRetry{Retries: -1}, "retry.retries"},
		{MonitorRetry{Retries: 1, Delay: 11 * 60e9}, "retry.delay"},
		{MonitorRetry{Retries: 1, Delay: 1500e6}, "retry.delay"},
		{MonitorRetry{Retries: 1, Location: "EU West"}, "retry.location"},
	}
	for _, tt := range tests {
		m := Monitor{Name: "m", Schedule: "every 5m", Retry: tt.retry}
		m.Normalize()
		err := m.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: %v", tt.retry, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: error %v, want one on %s", tt.retry, err, tt.want)
		}
	}
}
