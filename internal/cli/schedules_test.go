package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/schedule"
	"github.com/catena-monitor/catena/internal/schedule/schedulertest"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
	"github.com/catena-monitor/catena/migrations"
)

// `catena schedules reconcile` against the Scheduler API stand-in: a monitor
// without a schedule gets one, a schedule without a monitor goes. The AWS SDK
// reads its credentials from the process environment, hence t.Setenv (and no
// t.Parallel).
func TestSchedulesReconcile(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	ctx := context.Background()
	pool, dbURL := dbtest.NewDBURL(t)
	if err := migrations.Up(ctx, pool); err != nil {
		t.Fatal(err)
	}
	key := secret.NewKey()
	raw, err := secret.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.New(raw)
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(pool, box)
	c, err := st.CreateCollection(ctx, &collection.Collection{Name: "c", Steps: []collection.Step{{Name: "ping", Method: "GET", URL: "http://127.0.0.1:9/"}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.CreateMonitor(ctx, &collection.Monitor{Name: "m", Schedule: "every 5m", TimeZone: "UTC", Enabled: true, CollectionIDs: []collection.CollectionID{c.ID}})
	if err != nil {
		t.Fatal(err)
	}
	aws := schedulertest.New(t, "catena")
	aws.Put(schedulertest.Schedule{Name: schedule.ScheduleName(4242), GroupName: "catena", ScheduleExpression: "rate(1 hour)", State: "ENABLED"})

	env := map[string]string{
		"DATABASE_URL": dbURL, "CATENA_SECRET_KEY": key, "CATENA_LOG_LEVEL": "error",
		"CATENA_SCHEDULER": "eventbridge", "CATENA_AWS_ENDPOINT_URL": aws.URL, "AWS_REGION": "us-east-1",
		"CATENA_EB_LAMBDA_ARN": "arn:aws:lambda:us-east-1:123456789012:function:catena-scheduler",
		"CATENA_EB_ROLE_ARN":   "arn:aws:iam::123456789012:role/catena-scheduler",
	}
	var out bytes.Buffer
	if err := Run(ctx, []string{"schedules", "reconcile"}, envOf(env), &out); err != nil {
		t.Fatalf("reconcile: %v\n%s", err, out.String())
	}
	got := aws.Schedules("catena")
	if _, ok := got[schedule.ScheduleName(m.ID)]; !ok || len(got) != 1 {
		t.Fatalf("after reconcile AWS holds %v, want only monitor %d's schedule", got, m.ID)
	}
	if s := out.String(); !strings.Contains(s, "deleted (no monitor): 4242") || !strings.Contains(s, "rewritten (missing or different): ") {
		t.Errorf("report:\n%s", s)
	}

	// In local mode the command refuses, naming the mode.
	env["CATENA_SCHEDULER"] = "local"
	var exit *ExitError
	if err := Run(ctx, []string{"schedules", "reconcile"}, envOf(env), &out); !errors.As(err, &exit) || exit.Code != 2 || !strings.Contains(err.Error(), "CATENA_SCHEDULER=local") {
		t.Errorf("local mode: err = %v", err)
	}
}
