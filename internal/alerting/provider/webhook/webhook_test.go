package webhook

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/alerting/alert"
)

const secret = "s3cret-signing-key-0123"

type received struct {
	header http.Header
	body   []byte
}

// receiver is a consumer that verifies signatures the way docs/alerts.md says.
type receiver struct {
	mu  sync.Mutex
	got []received
	bad int
	now func() time.Time
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get("X-Catena-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	want := Sign(secret, ts, body)
	ok := err == nil && hmac.Equal([]byte(want), []byte(r.Header.Get("X-Catena-Signature"))) &&
		rc.now().Sub(time.Unix(sec, 0)).Abs() < 5*time.Minute
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !ok {
		rc.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.got = append(rc.got, received{r.Header.Clone(), body})
	w.WriteHeader(http.StatusNoContent)
}

func sample() alert.Event {
	return alert.Event{
		Kind: alert.KindTrigger, DeliveryID: 99, IncidentID: 5, IncidentKind: "failure", DedupKey: "catena-1-2",
		MonitorID: 1, MonitorName: "prod", CollectionID: 2, CollectionName: "checkout",
		RunID: 42, RunURL: "https://catena.example.com/runs/42", RunStatus: "failed",
		Step: &alert.FailedStep{Name: "login", Position: 1, Status: "failed", Assertions: []alert.Assertion{
			{Source: "status", Comparison: "equals", Expected: "200", Actual: "503"},
		}},
		Locations:    []string{"local"},
		FailingSince: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		At:           time.Date(2026, 3, 1, 12, 5, 0, 0, time.UTC),
	}
}

func TestAlertSignedPayload(t *testing.T) {
	t.Parallel()
	rc := &receiver{now: time.Now}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	p := New(map[string]string{SettingURL: srv.URL + "/hooks/catena", SettingSecret: secret}, srv.Client())
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	if rc.bad != 0 || len(rc.got) != 1 {
		t.Fatalf("receiver: %d verified, %d rejected", len(rc.got), rc.bad)
	}
	g := rc.got[0]
	if g.header.Get("X-Catena-Delivery") != "99" || g.header.Get("X-Catena-Event") != "trigger" {
		t.Errorf("headers %v", g.header)
	}
	var pl Payload
	if err := json.Unmarshal(g.body, &pl); err != nil {
		t.Fatal(err)
	}
	if pl.Version != 1 || pl.DeliveryID != 99 || pl.Incident.ID != 5 || pl.Run.URL != "https://catena.example.com/runs/42" ||
		pl.Step.Assertions[0].Actual != "503" || pl.Monitor.Name != "prod" || pl.DedupKey != "catena-1-2" || pl.FailingSince == nil {
		t.Errorf("payload %s", g.body)
	}
}

func TestAlertWrongSecretIsRejectedAndPermanent(t *testing.T) {
	t.Parallel()
	rc := &receiver{now: time.Now}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	err := New(map[string]string{SettingURL: srv.URL, SettingSecret: "another-secret-of-16+"}, srv.Client()).Send(context.Background(), sample())
	if rc.bad != 1 || !alert.IsPermanent(err) {
		t.Fatalf("bad=%d err=%v: a wrong signature must be refused (401, permanent)", rc.bad, err)
	}
}

func TestAlertValidate(t *testing.T) {
	t.Parallel()
	for _, s := range []map[string]string{
		{SettingURL: "ftp://x", SettingSecret: secret},
		{SettingURL: "https://x.example", SettingSecret: "short"},
		{},
	} {
		if New(s, http.DefaultClient).Validate() == nil {
			t.Errorf("%v accepted", s)
		}
	}
}

// A channel without a secret is valid and sends unsigned requests; the other
// headers and the body are as for a signed one.
func TestAlertUnsignedWithoutSecret(t *testing.T) {
	t.Parallel()
	var got http.Header
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	p := New(map[string]string{SettingURL: srv.URL}, srv.Client())
	if err := p.Validate(); err != nil {
		t.Fatalf("no secret refused: %v", err)
	}
	if err := p.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if _, signed := got["X-Catena-Signature"]; signed || got.Get("X-Catena-Delivery") != "99" || got.Get("X-Catena-Timestamp") == "" {
		t.Errorf("unsigned request headers: %v", got)
	}
}
