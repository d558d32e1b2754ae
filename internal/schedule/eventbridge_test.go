package schedule_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/schedule"
)

// fakeAWS stands in for the EventBridge Scheduler endpoint: it records each
// request and answers from a script keyed by "METHOD path".
type fakeAWS struct {
	mu       sync.Mutex
	requests []awsRequest
	missing  map[string]bool // schedule names that do not exist
}

type awsRequest struct {
	Method, Path, Query, Auth, Date string
	Body                            map[string]any
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	req := awsRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Date: r.Header.Get("X-Amz-Date")}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &req.Body); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	name := strings.TrimPrefix(r.URL.Path, "/schedules/")
	missing := f.missing[name]
	if r.Method == http.MethodPost {
		f.missing[name] = false
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if missing && r.Method != http.MethodPost {
		w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"Message":"Schedule `+name+` does not exist."}`)
		return
	}
	if r.Method == http.MethodDelete {
		_, _ = io.WriteString(w, `{}`)
		return
	}
	_, _ = io.WriteString(w, `{"ScheduleArn":"arn:aws:scheduler:us-east-1:123456789012:schedule/catena/`+name+`"}`)
}

func (f *fakeAWS) take() []awsRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

func newEventBridge(t *testing.T) (*schedule.EventBridge, *fakeAWS) {
	t.Helper()
	fake := &fakeAWS{missing: map[string]bool{"catena-monitor-7": true}}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client := scheduler.New(scheduler.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(srv.URL),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
	})
	eb, err := schedule.NewEventBridge(schedule.EventBridgeConfig{
		Client: client, Group: "catena",
		LambdaARN: "arn:aws:lambda:us-east-1:123456789012:function:catena-scheduler",
		RoleARN:   "arn:aws:iam::123456789012:role/catena-scheduler",
		DLQARN:    "arn:aws:sqs:us-east-1:123456789012:catena-dlq",
	})
	if err != nil {
		t.Fatal(err)
	}
	return eb, fake
}

func checkSigned(t *testing.T, r awsRequest) {
	t.Helper()
	if !strings.HasPrefix(r.Auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(r.Auth, "/us-east-1/scheduler/aws4_request") ||
		!strings.Contains(r.Auth, "Signature=") || r.Date == "" {
		t.Errorf("%s %s is not SigV4-signed for scheduler: Authorization=%q X-Amz-Date=%q", r.Method, r.Path, r.Auth, r.Date)
	}
}

func TestEventBridgeUpsertCreatesThenUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eb, fake := newEventBridge(t)

	m := &collection.Monitor{ID: 7, Name: "checkout", Schedule: "every 5m", TimeZone: "UTC", Enabled: true}
	if err := eb.Upsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	reqs := fake.take()
	if len(reqs) != 2 || reqs[0].Method != http.MethodPut || reqs[1].Method != http.MethodPost {
		t.Fatalf("requests = %+v; want UpdateSchedule (not found) then CreateSchedule", reqs)
	}
	create := reqs[1]
	checkSigned(t, reqs[0])
	checkSigned(t, create)
	if create.Path != "/schedules/catena-monitor-7" {
		t.Errorf("CreateSchedule path = %s", create.Path)
	}
	b := create.Body
	target, _ := b["Target"].(map[string]any)
	retry, _ := target["RetryPolicy"].(map[string]any)
	dlq, _ := target["DeadLetterConfig"].(map[string]any)
	window, _ := b["FlexibleTimeWindow"].(map[string]any)
	checks := map[string][2]any{
		"GroupName":                  {b["GroupName"], "catena"},
		"ScheduleExpression":         {b["ScheduleExpression"], "rate(5 minutes)"},
		"ScheduleExpressionTimezone": {b["ScheduleExpressionTimezone"], "UTC"},
		"State":                      {b["State"], "ENABLED"},
		"FlexibleTimeWindow.Mode":    {window["Mode"], "OFF"},
		"Target.Arn":                 {target["Arn"], "arn:aws:lambda:us-east-1:123456789012:function:catena-scheduler"},
		"Target.RoleArn":             {target["RoleArn"], "arn:aws:iam::123456789012:role/catena-scheduler"},
		"Target.DeadLetterConfig":    {dlq["Arn"], "arn:aws:sqs:us-east-1:123456789012:catena-dlq"},
		"RetryPolicy.attempts":       {retry["MaximumRetryAttempts"], float64(20)},
		"RetryPolicy.age":            {retry["MaximumEventAgeInSeconds"], float64(900)},
	}
	for field, c := range checks {
		if c[0] != c[1] {
			t.Errorf("CreateSchedule %s = %v, want %v", field, c[0], c[1])
		}
	}
	var input struct {
		MonitorID     int64  `json:"monitorId"`
		ScheduledTime string `json:"scheduledTime"`
	}
	if err := json.Unmarshal([]byte(target["Input"].(string)), &input); err != nil || input.MonitorID != 7 || input.ScheduledTime != "<aws.scheduler.scheduled-time>" {
		t.Errorf("Target.Input = %v (%v)", target["Input"], err)
	}

	// Paused, now a cron in New York: one UpdateSchedule, DISABLED.
	m.Schedule, m.TimeZone, m.Enabled = "30 2 * * 1-5", "America/New_York", false
	if err := eb.Upsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	reqs = fake.take()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPut || reqs[0].Path != "/schedules/catena-monitor-7" {
		t.Fatalf("requests = %+v; want one UpdateSchedule", reqs)
	}
	checkSigned(t, reqs[0])
	if b := reqs[0].Body; b["ScheduleExpression"] != "cron(30 2 ? * MON-FRI *)" || b["ScheduleExpressionTimezone"] != "America/New_York" || b["State"] != "DISABLED" {
		t.Errorf("UpdateSchedule body = %v", b)
	}
}

func TestEventBridgeRefusesSubMinuteRates(t *testing.T) {
	t.Parallel()
	eb, fake := newEventBridge(t)
	m := &collection.Monitor{ID: 8, Name: "fast", Schedule: "every 30s", TimeZone: "UTC", Enabled: true}
	for _, err := range []error{schedule.Check(eb, m), eb.Upsert(context.Background(), m)} {
		if err == nil || !strings.Contains(err.Error(), "at most once a minute") {
			t.Errorf("error = %v; want a refusal naming the one-minute limit", err)
		}
	}
	if reqs := fake.take(); len(reqs) != 0 {
		t.Errorf("a refused schedule reached AWS: %+v", reqs)
	}
}

func TestEventBridgeDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eb, fake := newEventBridge(t)
	if err := eb.Delete(ctx, 9); err != nil {
		t.Fatal(err)
	}
	// Deleting one already gone (catena-monitor-7 does not exist) is fine too.
	if err := eb.Delete(ctx, 7); err != nil {
		t.Fatal(err)
	}
	reqs := fake.take()
	if len(reqs) != 2 {
		t.Fatalf("requests = %+v", reqs)
	}
	for i, id := range []string{"9", "7"} {
		r := reqs[i]
		checkSigned(t, r)
		if r.Method != http.MethodDelete || r.Path != "/schedules/catena-monitor-"+id || r.Query == "" || !strings.Contains(r.Query, "groupName=catena") {
			t.Errorf("DeleteSchedule request = %+v", r)
		}
	}
}
