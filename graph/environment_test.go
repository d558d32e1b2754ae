package graph_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret/secrettest"
)

const envDocument = `name: stages
variables: {base: "http://127.0.0.1:9", stage: local}
environments:
  staging:
    variables: {stage: staging}
    secrets: [key]
  prod:
    variables: {stage: prod}
steps:
  - name: who
    url: "@<<vars.base>>/who"
    headers: {X-Stage: "@<<vars.stage>>", X-Key: "@<<secrets.key>>"}
    assertions:
      - {source: status, comparison: equals, target: "200"}
`

// Environments through the API: editors define them (per collection and
// shared), viewers read them but cannot change them or the monitors that
// pick them, runs record the one they used, and no secret value of an
// environment comes back in any answer.
func TestEnvironmentsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor, viewer := e.tokens[collection.RoleEditor], e.tokens[collection.RoleViewer]
	var answers []string
	post := func(token, query string, vars map[string]any) *response {
		t.Helper()
		r := e.post(token, query, vars)
		b, _ := json.Marshal(r)
		answers = append(answers, string(b))
		return r
	}
	must := func(token, query string, vars map[string]any, out any) {
		t.Helper()
		r := post(token, query, vars)
		if len(r.Errors) > 0 {
			t.Fatalf("%s\nerrors %+v", query, r.Errors)
		}
		if out != nil {
			if err := json.Unmarshal(r.Data, out); err != nil {
				t.Fatal(err)
			}
		}
	}

	var imported struct {
		ImportCollection struct{ Collection struct{ ID string } }
	}
	must(editor, `mutation($d: String!) { importCollection(format: CATENA, document: $d) { collection { id } } }`, map[string]any{"d": envDocument}, &imported)
	id := imported.ImportCollection.Collection.ID

	setSecret := `mutation($c: ID, $in: EnvironmentInput!) { setEnvironment(collectionId: $c, input: $in) { name shared variables { name value } secrets { name isSet } } }`
	var set struct {
		SetEnvironment struct {
			Name    string
			Secrets []struct {
				Name  string
				IsSet bool
			}
		}
	}
	must(editor, setSecret, map[string]any{"c": id, "in": map[string]any{"name": "staging", "secrets": []map[string]any{{"name": "key", "value": secrettest.Value}}}}, &set)
	if s := set.SetEnvironment; s.Name != "staging" || len(s.Secrets) != 1 || s.Secrets[0].Name != "key" || !s.Secrets[0].IsSet {
		t.Errorf("setEnvironment answered %+v", s)
	}
	must(editor, setSecret, map[string]any{"c": nil, "in": map[string]any{"name": "team", "variables": []map[string]any{{"name": "stage", "value": "team"}}, "secrets": []map[string]any{{"name": "key", "value": secrettest.Value}}}}, nil)

	// A bad change names the environment and key, and stores nothing.
	bad := post(editor, setSecret, map[string]any{"c": id, "in": map[string]any{"name": "prod", "variables": []map[string]any{{"name": "a b", "value": "1"}}}})
	if bad.code() != "INVALID" || !strings.Contains(bad.Errors[0].Message+string(mustJSON(t, bad.Errors)), `environments.prod.variables.a b`) {
		t.Errorf("a bad variable name: %+v", bad.Errors)
	}

	// Viewers read, never write.
	var read struct {
		Collection struct {
			Environments []struct {
				Name      string
				Shared    bool
				Variables []struct{ Name, Value string }
				Secrets   []struct{ Name string }
			}
		}
		SharedEnvironments []struct{ Name string }
	}
	must(viewer, `query($id: ID!) { collection(id: $id) { environments { name shared variables { name value } secrets { name } } } sharedEnvironments { name } }`, map[string]any{"id": id}, &read)
	var names []string
	for _, env := range read.Collection.Environments {
		names = append(names, env.Name+map[bool]string{true: "(shared)", false: ""}[env.Shared])
	}
	if strings.Join(names, ",") != "prod,staging,team(shared)" || len(read.SharedEnvironments) != 1 {
		t.Errorf("environments %q and shared %+v, want prod, staging and the shared team", names, read.SharedEnvironments)
	}
	for _, q := range []struct {
		what  string
		query string
		vars  map[string]any
	}{
		{"set an environment", setSecret, map[string]any{"c": id, "in": map[string]any{"name": "staging", "secrets": []map[string]any{{"name": "key", "value": "viewer-wrote"}}}}},
		{"set a shared environment", setSecret, map[string]any{"c": nil, "in": map[string]any{"name": "evil"}}},
		{"delete an environment", `mutation($c: ID) { deleteEnvironment(collectionId: $c, name: "prod") }`, map[string]any{"c": id}},
		{"create a monitor", `mutation($in: MonitorInput!) { createMonitor(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"name": "v", "schedule": "every 5m", "collectionIds": []string{id}, "environments": []map[string]any{{"collectionId": id, "environment": "prod"}},
			"retry": map[string]any{"retries": 2}}}},
		{"run in an environment", `mutation($id: ID!) { runCollection(id: $id, environment: "staging") { id } }`, map[string]any{"id": id}},
	} {
		if r := post(viewer, q.query, q.vars); r.code() != "FORBIDDEN" {
			t.Errorf("a viewer could %s: %+v", q.what, r.Errors)
		}
	}

	// Run now in an environment: the run records it; an unknown one is refused by name.
	var ran struct {
		RunCollection struct{ ID, Environment string }
	}
	must(editor, `mutation($id: ID!) { runCollection(id: $id, environment: "staging") { id environment } }`, map[string]any{"id": id}, &ran)
	if ran.RunCollection.Environment != "staging" {
		t.Errorf("the run records environment %q, want staging", ran.RunCollection.Environment)
	}
	unknown := post(editor, `mutation($id: ID!) { runCollection(id: $id, environment: "qa") { id } }`, map[string]any{"id": id})
	if unknown.code() != "INVALID" || !strings.Contains(unknown.Errors[0].Message, `"qa"`) || !strings.Contains(unknown.Errors[0].Message, "prod, staging, team") {
		t.Errorf("an unknown environment: %+v", unknown.Errors)
	}
	// A collection whose variable only its environments define cannot run without one.
	var only struct {
		ImportCollection struct{ Collection struct{ ID string } }
	}
	must(editor, `mutation($d: String!) { importCollection(format: CATENA, document: $d) { collection { id } } }`, map[string]any{"d": `name: env only
environments:
  dev: {variables: {base: "http://127.0.0.1:9"}}
steps:
  - {name: a, url: "@<<vars.base>>/x"}
`}, &only)
	if r := post(editor, `mutation($id: ID!) { runCollection(id: $id) { id } }`, map[string]any{"id": only.ImportCollection.Collection.ID}); r.code() != "INVALID" || !strings.Contains(string(mustJSON(t, r.Errors)), `unknown variable \"base\"`) {
		t.Errorf("running without the environment its variable needs: %+v", r.Errors)
	}
	must(editor, `mutation($id: ID!) { runCollection(id: $id, environment: "dev") { id } }`, map[string]any{"id": only.ImportCollection.Collection.ID}, nil)

	var got struct {
		Run struct {
			Environment  string
			RetryAttempt int
			Retried      bool
			RetryChain   []struct{ ID string }
		}
	}
	must(viewer, `query($id: ID!) { run(id: $id) { environment retryAttempt retried retryChain { id } } }`, map[string]any{"id": ran.RunCollection.ID}, &got)
	if r := got.Run; r.Environment != "staging" || r.RetryAttempt != 0 || r.Retried || len(r.RetryChain) != 1 || r.RetryChain[0].ID != ran.RunCollection.ID {
		t.Errorf("run(id) shows %+v", r)
	}

	// A monitor picks an environment per collection and retries.
	createMonitor := `mutation($in: MonitorInput!) { createMonitor(input: $in) { id environments { collection { id } environment } retry { retries delaySeconds location } } }`
	monitorIn := func(env string, retries int) map[string]any {
		return map[string]any{"in": map[string]any{
			"name": "staged", "schedule": "every 5m", "collectionIds": []string{id},
			"environments": []map[string]any{{"collectionId": id, "environment": env}},
			"retry":        map[string]any{"retries": retries, "delaySeconds": 30, "location": "eu-west-1"},
		}}
	}
	if r := post(editor, createMonitor, monitorIn("qa", 2)); r.code() != "INVALID" || !strings.Contains(r.Errors[0].Message+string(mustJSON(t, r.Errors)), `no environment \"qa\"`) {
		t.Errorf("a monitor in an unknown environment: %+v", r.Errors)
	}
	if r := post(editor, createMonitor, monitorIn("staging", 9)); r.code() != "INVALID" || !strings.Contains(string(mustJSON(t, r.Errors)), "retry.retries") {
		t.Errorf("a monitor with 9 retries: %+v", r.Errors)
	}
	var mon struct {
		CreateMonitor struct {
			ID           string
			Environments []struct {
				Collection  struct{ ID string }
				Environment string
			}
			Retry struct {
				Retries, DelaySeconds int
				Location              string
			}
		}
	}
	must(editor, createMonitor, monitorIn("staging", 2), &mon)
	m := mon.CreateMonitor
	if len(m.Environments) != 1 || m.Environments[0].Environment != "staging" || m.Environments[0].Collection.ID != id {
		t.Errorf("monitor environments %+v", m.Environments)
	}
	if m.Retry.Retries != 2 || m.Retry.DelaySeconds != 30 || m.Retry.Location != "eu-west-1" {
		t.Errorf("monitor retry %+v", m.Retry)
	}
	updateIn := monitorIn("prod", 1)
	if r := post(viewer, `mutation($id: ID!, $in: MonitorInput!) { updateMonitor(id: $id, input: $in) { id } }`, map[string]any{"id": m.ID, "in": updateIn["in"]}); r.code() != "FORBIDDEN" {
		t.Errorf("a viewer could update the monitor: %+v", r.Errors)
	}

	// Deleting an environment a monitor runs in is refused, naming the monitor.
	del := post(editor, `mutation($c: ID) { deleteEnvironment(collectionId: $c, name: "staging") }`, map[string]any{"c": id})
	if del.code() != "CONFLICT" || !strings.Contains(del.Errors[0].Message, `"staged"`) {
		t.Errorf("deleting staging while monitor staged uses it: %+v", del.Errors)
	}
	var deleted struct{ DeleteEnvironment bool }
	must(editor, `mutation($c: ID) { deleteEnvironment(collectionId: $c, name: "prod") }`, map[string]any{"c": id}, &deleted)
	if !deleted.DeleteEnvironment {
		t.Errorf("deleting prod answered false")
	}

	// The GUI's save (replaceCollection without environments) keeps them and their secrets.
	must(editor, `mutation($id: ID!, $in: CollectionInput!) { replaceCollection(id: $id, input: $in) { id } }`, map[string]any{"id": id, "in": map[string]any{
		"name": "stages", "variables": []map[string]any{{"name": "base", "value": "http://127.0.0.1:9"}, {"name": "stage", "value": "local"}},
		"steps": []map[string]any{{"name": "who", "method": "GET", "url": "@<<vars.base>>/who", "headers": []map[string]any{{"name": "X-Key", "value": "@<<secrets.key>>"}}}},
	}}, nil)
	var kept struct {
		Collection struct{ Environments []struct{ Name string } }
	}
	must(viewer, `query($id: ID!) { collection(id: $id) { environments { name } } }`, map[string]any{"id": id}, &kept)
	if len(kept.Collection.Environments) != 2 {
		t.Errorf("after a save without environments: %+v, want staging and the shared team", kept.Collection.Environments)
	}

	var exported struct{ ExportCollection string }
	must(viewer, `query($id: ID!) { exportCollection(id: $id) }`, map[string]any{"id": id}, &exported)
	if !strings.Contains(exported.ExportCollection, "environments:") || !strings.Contains(exported.ExportCollection, "staging:") || strings.Contains(exported.ExportCollection, "team") {
		t.Errorf("the export should hold staging and not the shared team:\n%s", exported.ExportCollection)
	}
	for i, a := range answers {
		if secrettest.Leaks(a) {
			t.Errorf("answer %d shows the environment secret: %s", i, a)
		}
	}
	var sec map[string]string
	var stored string
	if err := e.pool.QueryRow(context.Background(), `SELECT string_agg(row_to_json(r)::text, ' ') FROM runs r`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if secrettest.Leaks(stored) || !strings.Contains(stored, `"environment":"staging"`) {
		t.Errorf("the run rows show the secret or lack the environment: %s", stored)
	}
	// The value the viewer tried to write never landed.
	cid, err := model.ParseID[collection.CollectionID](id)
	if err != nil {
		t.Fatal(err)
	}
	sec, err = e.store.RunSecrets(context.Background(), cid, "staging")
	if err != nil || sec["key"] != secrettest.Value {
		t.Errorf("staging's key = %q, %v; want the editor's value", sec["key"], err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
