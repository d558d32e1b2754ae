package metrics

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/catena-monitor/catena/internal/metrics/cloudwatchtest"
)

// waitFor polls cond until it holds or 10 s have passed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPublishQueueAgeSendsOneDatumPerLocation(t *testing.T) {
	cw := cloudwatchtest.New(t)
	stats := []QueueStat{
		{Location: "us-east-1", State: "available", Jobs: 3, OldestAge: 42500 * time.Millisecond},
		{Location: "us-east-1", State: "running", Jobs: 2},
		{Location: "eu-west-1", State: ""}, // a known queue with nothing waiting
		{Location: "eu-west-1", State: "running", Jobs: 1},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- PublishQueueAge(ctx, CloudWatchPublisherConfig{
			Client: cw.Client(), Namespace: "Catena", Interval: time.Millisecond,
			Source: func(context.Context) ([]QueueStat, error) { return stats, nil },
		})
	}()
	// Two publications show the loop keeps going after the first.
	waitFor(t, "two publications", func() bool { return cw.Calls() >= 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("PublishQueueAge returned %v after cancel, want nil", err)
	}
	data := cw.Data()
	first := data[:2]
	want := map[string]float64{"eu-west-1": 0, "us-east-1": 42.5}
	for _, d := range first {
		if d.Namespace != "Catena" || d.MetricName != "QueueOldestJobAgeSeconds" || d.Unit != "Seconds" || len(d.Dimensions) != 1 {
			t.Fatalf("datum %+v: want namespace Catena, metric QueueOldestJobAgeSeconds, unit Seconds, one dimension", d)
		}
		loc := d.Dimensions["Location"]
		v, ok := want[loc]
		if !ok || d.Value != v {
			t.Fatalf("datum for Location %q = %v, want one of %v", loc, d.Value, want)
		}
		delete(want, loc)
		if time.Since(d.Timestamp) > time.Minute || d.Timestamp.After(time.Now()) {
			t.Fatalf("timestamp %v is not the publication time", d.Timestamp)
		}
	}
}

func TestPublishQueueAgeKeepsGoingAfterFailures(t *testing.T) {
	cw := cloudwatchtest.New(t)
	cw.Refuse(2)
	var reads atomic.Int32
	src := func(context.Context) ([]QueueStat, error) {
		if reads.Add(1) == 1 {
			return nil, errors.New("database down")
		}
		return []QueueStat{{Location: "local", State: "available", Jobs: 1, OldestAge: 7 * time.Second}}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- PublishQueueAge(ctx, CloudWatchPublisherConfig{Client: cw.Client(), Namespace: "Catena", Interval: time.Millisecond, Source: src})
	}()
	// The failed read sends nothing; the two refused calls are retried at the
	// next ticks; then the datum lands.
	waitFor(t, "a datum after the failures", func() bool { return len(cw.Data()) > 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := cw.Calls(); n < 3 {
		t.Fatalf("%d PutMetricData calls, want the 2 refused ones and a later one", n)
	}
	if d := cw.Data()[0]; d.Dimensions["Location"] != "local" || d.Value != 7 {
		t.Fatalf("datum %+v, want Location local = 7", d)
	}
}

func TestPublishQueueAgeNeedsItsParts(t *testing.T) {
	cw := cloudwatchtest.New(t)
	src := func(context.Context) ([]QueueStat, error) { return nil, nil }
	for name, c := range map[string]CloudWatchPublisherConfig{
		"no client":    {Namespace: "Catena", Source: src},
		"no namespace": {Client: cw.Client(), Source: src},
		"no source":    {Client: cw.Client(), Namespace: "Catena"},
	} {
		if err := PublishQueueAge(context.Background(), c); err == nil {
			t.Errorf("%s: PublishQueueAge returned nil", name)
		}
	}
}

func TestPublishQueueAgeUnsignedIsRefused(t *testing.T) {
	// The stand-in checks the SigV4 signature, so the tests above show the
	// client signs for the monitoring service; an unsigned client fails.
	cw := cloudwatchtest.New(t)
	anon := cloudwatch.New(cloudwatch.Options{Region: "us-east-1", Credentials: aws.AnonymousCredentials{},
		BaseEndpoint: aws.String(cw.URL), RetryMaxAttempts: 1})
	c := CloudWatchPublisherConfig{Client: anon, Namespace: "Catena", CallTimeout: 10 * time.Second,
		Source: func(context.Context) ([]QueueStat, error) { return []QueueStat{{Location: "x"}}, nil }}
	if err := publishQueueAge(context.Background(), c, time.Now()); err == nil {
		t.Fatal("unsigned PutMetricData accepted")
	}
	if len(cw.Data()) != 0 {
		t.Fatalf("stand-in kept %v from an unsigned request", cw.Data())
	}
}
