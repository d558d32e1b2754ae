package postman

import (
	"strings"
	"testing"
)

// Two environment files become two environments of the collection; a
// variable only one of them defines is kept by the collection too, with a
// warning, so every request stays valid in both.
func TestImportPostmanEnvironmentsBecomeNamedEnvironments(t *testing.T) {
	t.Parallel()
	staging := []byte(`{"name":"Staging","_postman_variable_scope":"environment","values":[
		{"key":"APIURL","value":"http://127.0.0.1:3001/api"},{"key":"token","value":"st-1"},{"key":"extra","value":"only-here"}]}`)
	prod := []byte(`{"name":"prod","_postman_variable_scope":"environment","values":[
		{"key":"APIURL","value":"http://127.0.0.1:3002/api"},{"key":"token","value":"pr-1"}]}`)
	c, warnings, err := ImportWithEnvironments(readTestdata(t, "conduit_like_env.json"), staging, prod)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.EnvironmentNames(), ","); got != "Staging,prod" {
		t.Fatalf("environments %q, want Staging,prod (named after the files)", got)
	}
	if c.Environments["Staging"].Variables["APIURL"] != "http://127.0.0.1:3001/api" || c.Environments["prod"].Variables["APIURL"] != "http://127.0.0.1:3002/api" {
		t.Errorf("APIURL per environment: %+v", c.Environments)
	}
	if c.Environments["prod"].SecretValues["token"] != "pr-1" || c.Environments["Staging"].SecretValues["token"] != "st-1" {
		t.Errorf("token should be a secret of each environment: %+v", c.Environments)
	}
	if c.Variables["extra"] != "only-here" || !hasWarning(warnings, `variable "extra" is defined in environment "Staging" but not in prod`) {
		t.Errorf("a variable one environment lacks: collection has %q; warnings:\n%s", c.Variables["extra"], strings.Join(warnings, "\n"))
	}
	if err := c.Validate(); err != nil {
		t.Errorf("the imported collection is invalid: %v", err)
	}
	globals := []byte(`{"name":"g","_postman_variable_scope":"globals","values":[{"key":"APIURL","value":"http://127.0.0.1:3009/api"}]}`)
	c, _, err = ImportWithEnvironments(readTestdata(t, "conduit_like_env.json"), globals)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Environments) != 0 || c.Variables["APIURL"] != "http://127.0.0.1:3009/api" {
		t.Errorf("a globals file fills the collection's variables, no environment: %v %v", c.EnvironmentNames(), c.Variables)
	}
}
