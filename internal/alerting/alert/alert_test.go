package alert

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/netguard"
)

func TestAlertEventText(t *testing.T) {
	t.Parallel()
	e := Event{
		Kind: KindTrigger, MonitorName: "prod", CollectionName: "checkout", RunURL: "https://c.example/runs/9",
		Step:      &FailedStep{Name: "pay", Position: 3, Status: "errored", ErrorCode: "timeout", Error: "no answer within 5s"},
		Locations: []string{"eu", "us"}, FailingSince: time.Unix(1000, 0), At: time.Unix(1000+125, 0),
	}
	want := "[Failing] checkout (monitor prod)\n\nMonitor: prod\nCollection: checkout\nStep 3 \"pay\" errored\n" +
		"Error: no answer within 5s (timeout)\nFailing locations: eu, us\nFailing for 2m5s (since 1970-01-01T00:16:40Z)\n" +
		"Run: https://c.example/runs/9\n"
	if got := e.Text(); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	e.Kind, e.IncidentKind = KindReminder, "errored"
	if !strings.HasPrefix(e.Title(), "[Still erroring] checkout") {
		t.Errorf("reminder title %q", e.Title())
	}
	e.Kind = KindResolve
	if !strings.Contains(e.Text(), "Passed again after failing for 2m5s") || strings.Contains(e.Text(), "Step 3") {
		t.Errorf("resolve text %q", e.Text())
	}
}

func TestAlertParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true},
		{"0.25", 250 * time.Millisecond, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"", 0, false},
		{"soon", 0, false},
		{"-1", 0, false},
	} {
		got, ok := ParseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAlertClassify(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status          int
		header          http.Header
		permanent, wait bool
	}{
		{200, nil, false, false},
		{429, http.Header{"Retry-After": {"3"}}, false, true},
		{429, nil, false, true},
		{503, nil, false, false},
		{408, nil, false, false},
		{400, nil, true, false},
		{410, nil, true, false},
	} {
		err := Classify(&netguard.Response{Status: tt.status, Header: tt.header, Body: []byte("nope")}, time.Second)
		if tt.status == 200 {
			if err != nil {
				t.Errorf("200: %v", err)
			}
			continue
		}
		var ra *RetryAfterError
		if err == nil || IsPermanent(err) != tt.permanent || errors.As(err, &ra) != tt.wait {
			t.Errorf("%d: %v", tt.status, err)
		}
		if !strings.Contains(err.Error(), "nope") {
			t.Errorf("%d: the channel's answer is lost: %v", tt.status, err)
		}
	}
}

// IncidentKey and ParseIncidentKey agree, and nothing else parses.
func TestParseIncidentKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key  string
		m, c int64
		kind string
		ok   bool
	}{
		{IncidentKey(4, 5, IncidentFailure), 4, 5, IncidentFailure, true},
		{IncidentKey(4, 5, IncidentErrored), 4, 5, IncidentErrored, true},
		{"catena-test-3", 0, 0, "", false},
		{"catena-4", 0, 0, "", false},
		{"catena-4-5-6", 0, 0, "", false},
		{"catena-0-5", 0, 0, "", false},
		{"other-4-5", 0, 0, "", false},
		{"", 0, 0, "", false},
	} {
		m, c, kind, ok := ParseIncidentKey(tc.key)
		if ok != tc.ok || m != tc.m || c != tc.c || kind != tc.kind {
			t.Errorf("%q: %d %d %q %v", tc.key, m, c, kind, ok)
		}
	}
}
