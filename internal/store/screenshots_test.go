package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

func TestBrowserResultsAndScreenshots(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	c, err := s.CreateCollection(ctx, &collection.Collection{Name: "browser", Steps: []collection.Step{
		{Name: "api", Method: "GET", URL: "http://127.0.0.1:9/api"},
		{Name: "page", Kind: collection.KindBrowser, URL: "http://127.0.0.1:9/login", Actions: []collection.Action{
			{Type: collection.ActionScreenshot, Name: "start"},
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.GetCollection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !snap.Steps[1].Browser() || len(snap.Steps[1].Actions) != 1 {
		t.Fatalf("the browser step was stored as %+v", snap.Steps[1])
	}
	run, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{CollectionID: &c.ID, Trigger: collection.TriggerManual, Snapshot: *snap})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun(ctx, run.ID, 1, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	png := bytes.Repeat([]byte{0xff, 0xd8, 0x00}, 1000)
	steps := stepResults(2, 0, "")
	steps[1].Browser = &collection.BrowserResult{
		FinalURL: "http://127.0.0.1:9/orders",
		Actions: []collection.ActionResult{
			{Index: -1, Action: "open http://127.0.0.1:9/login", Status: collection.ActionOK, Duration: 30 * time.Millisecond},
			{Index: 0, Action: "screenshot start", Status: collection.ActionOK, Duration: 5 * time.Millisecond},
		},
		Extracted:      map[string]string{"order_id": "4711"},
		ConsoleErrors:  []string{"boom"},
		FailedRequests: []collection.FailedRequest{{URL: "http://127.0.0.2:1/x", Blocked: true, Error: "refused"}},
		Timings:        collection.PageTimings{DOMContentLoaded: 12 * time.Millisecond, Load: 20 * time.Millisecond},
		Screenshots: []collection.Screenshot{
			{Position: 0, Name: "start", Action: 0, MIME: "image/jpeg", Size: len(png), Data: png},
			{Position: 1, Name: "failure", Action: 0, Auto: true, MIME: "image/jpeg", Size: 3, Data: []byte{1, 2, 3}},
		},
	}
	// Progress first (the worker writes finished steps of a long run), then the finish.
	if err := s.RecordSteps(ctx, run.ID, 1, steps); err != nil {
		t.Fatal(err)
	}
	if err := finish(t, s, pool, collection.FinishRunParams{ID: run.ID, Attempt: 1, Status: collection.RunPassed, Steps: steps}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRun(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Steps[0].Browser != nil {
		t.Errorf("the HTTP step has browser details: %+v", got.Steps[0].Browser)
	}
	br := got.Steps[1].Browser
	if br == nil || br.FinalURL != "http://127.0.0.1:9/orders" || len(br.Actions) != 2 || br.Actions[0].Duration != 30*time.Millisecond ||
		br.Extracted["order_id"] != "4711" || len(br.ConsoleErrors) != 1 || !br.FailedRequests[0].Blocked || br.Timings.Load != 20*time.Millisecond {
		t.Fatalf("browser result = %+v", br)
	}
	if len(br.Screenshots) != 2 || br.Screenshots[0].Size != len(png) || br.Screenshots[0].Data != nil || !br.Screenshots[1].Auto {
		t.Fatalf("screenshots = %+v, want two described without their bytes", br.Screenshots)
	}
	sh, err := s.Screenshot(ctx, run.ID, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sh.Data, png) || sh.MIME != "image/jpeg" || sh.Name != "start" {
		t.Errorf("screenshot = %s %s %d bytes", sh.Name, sh.MIME, len(sh.Data))
	}
	if _, err := s.Screenshot(ctx, run.ID, 1, 5); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("a missing screenshot: %v, want ErrNotFound", err)
	}
	if n := countRows(t, pool, "screenshots", run.ID); n != 2 {
		t.Errorf("%d screenshot rows after a progress write and the finish, want 2", n)
	}
	// Deleting the run deletes what hangs off its step results.
	if _, err := pool.Exec(ctx, `DELETE FROM runs WHERE id = $1`, run.ID); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, pool, "screenshots", run.ID) + countRows(t, pool, "browser_results", run.ID); n != 0 {
		t.Errorf("%d browser rows left after the run was deleted", n)
	}
}
