package collection

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDescribeCollectionChange(t *testing.T) {
	t.Parallel()
	login := Step{Name: "login", Method: "POST", URL: "http://127.0.0.1:1/login"}
	me := Step{Name: "me", Method: "GET", URL: "http://127.0.0.1:1/me"}
	base := Collection{Name: "c", Steps: []Step{login, me}, Variables: map[string]string{"a": "1"}, Secrets: map[string]string{"k": ""}}
	changed := me
	changed.URL += "?x=1"
	for _, tc := range []struct {
		name  string
		after func(c *Collection)
		want  string
	}{
		{"nothing", func(*Collection) {}, "no change to the file"},
		{"renamed", func(c *Collection) { c.Name = "d" }, `renamed to "d"`},
		{"variables and description", func(c *Collection) { c.Variables = map[string]string{"a": "2"}; c.Description = "x" }, "description changed; variables changed"},
		{"step changed", func(c *Collection) { c.Steps = []Step{login, changed} }, "step 'me' changed"},
		{"step added and removed", func(c *Collection) { c.Steps = []Step{login, {Name: "new", Method: "GET", URL: "http://127.0.0.1:1/"}} }, "step 'new' added; step 'me' removed"},
		{"reordered", func(c *Collection) { c.Steps = []Step{me, login} }, "steps reordered"},
		{"step ids do not count", func(c *Collection) { c.Steps = []Step{login, me}; c.Steps[0].ID = 99 }, "no change to the file"},
		{"secrets", func(c *Collection) { c.Secrets = map[string]string{"j": ""} }, "secret 'j' added; secret 'k' removed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := base
			after.Steps = append([]Step(nil), base.Steps...)
			tc.after(&after)
			if got := DescribeCollectionChange(&base, &after); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got := DescribeCollectionChange(nil, &base); got != "created with 2 steps" {
		t.Errorf("creation: %q", got)
	}
}

func TestMonitorDocumentRoundTrip(t *testing.T) {
	t.Parallel()
	m := &Monitor{Name: "m", Schedule: "*/5 * * * *", TimeZone: "Europe/Paris", Enabled: true, Locations: []string{"local", "eu"},
		CollectionIDs: []CollectionID{3, 1}, ChannelIDs: []ChannelID{2},
		Policy: AlertPolicy{FailureThreshold: 3, RecoveryEnabled: true, RecoveryThreshold: 2, ReminderInterval: 30 * time.Minute, Errored: ErroredSeparate, MinFailedLocations: 1}}
	doc, err := MonitorDocument(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseMonitorDocument(doc)
	if err != nil || !reflect.DeepEqual(back, m) {
		t.Errorf("round trip:\n%s\n%+v, %v", doc, back, err)
	}
	if _, err := ParseMonitorDocument([]byte("name: m\nbogus: 1\n")); err == nil {
		t.Error("an unknown field was accepted")
	}
	m2 := *m
	m2.Enabled, m2.Schedule = false, "every 1h"
	doc2, _ := MonitorDocument(&m2)
	if got := DescribeDocumentChange(doc, doc2); got != "schedule, enabled changed" {
		t.Errorf("DescribeDocumentChange = %q", got)
	}
	if got := DescribeDocumentChange(nil, doc2); got != "created" {
		t.Errorf("creation = %q", got)
	}
}

func TestChannelDocumentHidesSettings(t *testing.T) {
	t.Parallel()
	doc, err := ChannelDocument(&AlertChannel{Name: "ops", Type: ChannelSlack, Config: map[string]string{"webhook_url": "https://hooks.example/T0/very-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "very-secret") || !strings.Contains(string(doc), "webhook_url: ••••") {
		t.Errorf("channel document:\n%s", doc)
	}
}
