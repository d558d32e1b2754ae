package cli

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/metrics/cloudwatchtest"
	"github.com/catena-monitor/catena/internal/queue"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
	"github.com/catena-monitor/catena/migrations"
)

// TestGatewayPublishesQueueAge runs `catena gateway` with
// CATENA_CLOUDWATCH_NAMESPACE against the CloudWatch stand-in (reached
// through CATENA_AWS_ENDPOINT_URL) and a real database holding one queued
// run in us-east-1: the gateway publishes that queue's oldest job age in the
// namespace, metric and dimension the AWS deployment's runner scaling reads.
// The SDK reads credentials from the process environment, hence t.Setenv.
func TestGatewayPublishesQueueAge(t *testing.T) {
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
	raw, _ := secret.ParseKey(key)
	box, _ := secret.New(raw)
	st := store.New(pool, box)
	c, err := st.CreateCollection(ctx, &collection.Collection{Name: "c", Steps: []collection.Step{{Name: "ping", Method: "GET", URL: "http://127.0.0.1:9/"}}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(st, nil, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.WithTx(ctx, pool, func(tx pgx.Tx) error {
		_, _, err := q.EnqueueRun(ctx, tx, store.InsertRunParams{CollectionID: &c.ID, Trigger: collection.TriggerManual, Snapshot: *c, Location: "us-east-1", IdempotencyKey: "cloudwatch-test"})
		return err
	}); err != nil {
		t.Fatal(err)
	}

	cw := cloudwatchtest.New(t)
	addr := freeAddr(t)
	startCommand(t, map[string]string{
		"DATABASE_URL": dbURL, "CATENA_SECRET_KEY": key, "CATENA_LOG_LEVEL": "error",
		"CATENA_ADDR": addr, "CATENA_PUBLIC_URL": "http://" + addr, "CATENA_SCHEDULER": "off",
		"CATENA_CLOUDWATCH_NAMESPACE": "Catena", "CATENA_AWS_ENDPOINT_URL": cw.URL, "AWS_REGION": "us-east-1",
	}, "http://"+addr+"/healthz", "gateway")
	// The first publication is made at start, the next a minute later.
	poll(t, "a datum in CloudWatch", func() bool { return len(cw.Data()) > 0 })
	d := cw.Data()[0]
	if d.Namespace != "Catena" || d.MetricName != "QueueOldestJobAgeSeconds" || d.Dimensions["Location"] != "us-east-1" || len(d.Dimensions) != 1 || d.Unit != "Seconds" {
		t.Fatalf("datum %+v, want Catena/QueueOldestJobAgeSeconds{Location=us-east-1} in Seconds", d)
	}
	if d.Value < 0 || d.Value > 300 {
		t.Fatalf("oldest job age %v s, want the age of the job queued just now", d.Value)
	}
}
