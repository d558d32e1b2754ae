package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/alerting/provider/webhook"
	"github.com/catena-monitor/catena/internal/collection"
)

// A failing monitor inside a quiet window: incidents open but nothing is
// delivered and the runs are marked quiet; the first failing run after the
// window sends one message with the summary of what was held back, and a
// mute link. Then a mute: a recovery under it closes the incident silently.
func TestAlertMaintenanceWindowHoldsThenSummarizes(t *testing.T) {
	t.Parallel()
	hookRec, hookURL := standIn(t, nil)
	b := setup(t, setupOpts{channels: []collection.AlertChannel{
		{Name: "hook", Type: collection.ChannelWebhook, Config: map[string]string{"url": hookURL}},
	}})
	ctx := context.Background()
	start, end := b.slot, b.slot.Add(15*time.Minute) // slots 0, 1 and 2 finish inside
	if _, err := b.store.CreateWindow(ctx, &collection.MaintenanceWindow{Name: "deploy", Mode: collection.WindowQuiet, StartsAt: &start, EndsAt: &end, MonitorIDs: []collection.MonitorID{b.m}}); err != nil {
		t.Fatal(err)
	}
	var held []collection.Run
	for i := range 3 {
		held = append(held, b.finish(b.d, runOpts{status: collection.RunFailed, slot: i}))
	}
	if ds := b.deliveries(); len(ds) != 0 {
		t.Fatalf("inside the window: %s", events(ds))
	}
	if inc := b.incidents(); len(inc) != 1 || inc[0].Status != "open" {
		t.Fatalf("the incident opens in the database all the same: %+v", inc)
	}
	for _, r := range held {
		got, err := b.store.GetRun(ctx, r.ID)
		if err != nil || got.Quiet != `maintenance window "deploy"` {
			t.Errorf("run %d quiet = %q (%v)", r.ID, got.Quiet, err)
		}
	}

	after := b.finish(b.d, runOpts{status: collection.RunFailed, slot: 3})
	b.finish(b.d, runOpts{status: collection.RunFailed, slot: 4}) // no reminders configured: nothing more
	ds := b.settled(15 * time.Second)
	if got := events(ds); got != "hook:trigger" {
		t.Fatalf("after the window: %s, want one trigger", got)
	}
	var p webhook.Payload
	body := hookRec.delivered()[0].body
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		`Held back during maintenance window "deploy": 3 failed run(s) since 2026-03-01T12:00:03Z`,
		fmt.Sprintf("Mute for 2 h: %s/maintenance?incident=%d&minutes=120&mute=%d", publicURL, ds[0].Incident, b.m),
		fmt.Sprintf("/runs/%d", after.ID),
	} {
		if !strings.Contains(p.Text, w) {
			t.Errorf("summary lacks %q:\n%s", w, p.Text)
		}
	}
	if got, _ := b.store.GetRun(ctx, after.ID); got.Quiet != "" {
		t.Errorf("a run after the window is marked quiet: %q", got.Quiet)
	}

	// A mute: the recovery inside it closes the incident without a word;
	// this incident was announced, so its resolve is still sent.
	if _, err := b.store.CreateMute(ctx, collection.Mute{MonitorID: b.m, Until: b.slot.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b.finish(b.d, runOpts{status: collection.RunPassed, slot: 5})
	b.finish(b.d, runOpts{status: collection.RunFailed, slot: 6})
	b.finish(b.d, runOpts{status: collection.RunFailed, slot: 7}) // opens a second incident, silently
	b.finish(b.d, runOpts{status: collection.RunPassed, slot: 8}) // and closes it silently
	if got := events(b.settled(15 * time.Second)); got != "hook:trigger hook:resolve" {
		t.Fatalf("under the mute: %s, want only the first incident's resolve", got)
	}
	inc := b.incidents()
	if len(inc) != 2 || inc[1].Status != "resolved" {
		t.Fatalf("incidents %+v", inc)
	}
}
