package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/catena-monitor/catena/migrations"
)

// secretsStandIn is a local Secrets Manager stand-in: it answers
// GetSecretValue (awsJson1.1) for the secrets it holds, and refuses requests
// not SigV4-signed for secretsmanager.
type secretsStandIn struct {
	mu      sync.Mutex
	secrets map[string]string // ARN → SecretString
	asked   []string
}

func (s *secretsStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, kind, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": kind, "message": msg})
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/us-east-1/secretsmanager/aws4_request") {
		fail(http.StatusForbidden, "AccessDeniedException", "not signed for secretsmanager")
		return
	}
	if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
		fail(http.StatusBadRequest, "InvalidRequestException", "unexpected target "+r.Header.Get("X-Amz-Target"))
		return
	}
	var in struct{ SecretId string }
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err := json.Unmarshal(raw, &in); err != nil {
		fail(http.StatusBadRequest, "InvalidRequestException", "body is not JSON")
		return
	}
	s.mu.Lock()
	s.asked = append(s.asked, in.SecretId)
	v, ok := s.secrets[in.SecretId]
	s.mu.Unlock()
	if !ok {
		fail(http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretId, "Name": "catena/database", "SecretString": v, "CreatedDate": float64(time.Now().Unix())})
}

const testSecretARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:catena/database-AbCdEf"

// TestHandlerFromSecret builds the handler as a cold start does with only
// DATABASE_SECRET_ARN (and the non-secret URL options) in the environment: it
// reads the RDS-style secret once from the stand-in, connects to the real
// database it names and enqueues a delivered slot.
func TestHandlerFromSecret(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	ctx := context.Background()
	f := newFixture(t) // a migrated database with one monitor
	if err := migrations.Check(ctx, f.pool); err != nil {
		t.Fatal(err)
	}
	cfg := f.pool.Config().ConnConfig
	// Postgres here trusts local users, so any password is accepted; one with
	// URL metacharacters shows it is escaped.
	secretJSON, _ := json.Marshal(map[string]any{"engine": "postgres", "username": cfg.User, "password": "p@ss:w/rd?#%",
		"host": cfg.Host, "port": cfg.Port, "dbname": cfg.Database, "dbInstanceIdentifier": "catena"})
	sm := &secretsStandIn{secrets: map[string]string{testSecretARN: string(secretJSON)}}
	srv := httptest.NewServer(sm)
	t.Cleanup(srv.Close)
	env := map[string]string{
		"DATABASE_SECRET_ARN": testSecretARN, "DATABASE_URL": "postgres:///?sslmode=disable",
		"CATENA_AWS_ENDPOINT_URL": srv.URL, "AWS_REGION": "us-east-1", "CATENA_LOG_FORMAT": "text",
	}
	h, err := newHandlerFromEnv(ctx, func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("newHandlerFromEnv: %v", err)
	}
	t.Cleanup(h.close)
	if len(sm.asked) != 1 || sm.asked[0] != testSecretARN {
		t.Fatalf("secrets asked for: %v, want %s once", sm.asked, testSecretARN)
	}
	slot := time.Now().UTC().Truncate(5 * time.Minute)
	if err := h.Handle(ctx, Event{MonitorID: int64(f.monitor), ScheduledTime: slot.Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM runs WHERE monitor_id = $1`, f.monitor); n != 1 {
		t.Fatalf("%d runs after the delivery, want 1", n)
	}

	// A secret it cannot read stops the cold start, naming the variable and
	// not leaking anything of the secret.
	env["DATABASE_SECRET_ARN"] = testSecretARN + "-gone"
	if _, err := newHandlerFromEnv(ctx, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "DATABASE_SECRET_ARN") || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("missing secret: err = %v", err)
	}
}

func TestSecretDatabaseURL(t *testing.T) {
	u, err := secretDatabaseURL(defaultSecretURL, `{"username":"catena","password":"a b@c/d","host":"db.example.internal","port":5432,"dbname":"catena"}`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := p.User.Password()
	if p.User.Username() != "catena" || pw != "a b@c/d" || p.Host != "db.example.internal:5432" || p.Path != "/catena" || p.Query().Get("sslmode") != "require" {
		t.Fatalf("URL %s does not carry the secret's fields and sslmode=require", u)
	}
	// A port written as a string, and no dbname: the template's database stays.
	u, err = secretDatabaseURL("postgres:///other?sslmode=verify-full", `{"username":"u","password":"pw","host":"h","port":"6432"}`)
	if err != nil || u != "postgres://u:pw@h:6432/other?sslmode=verify-full" {
		t.Fatalf("got %q, %v", u, err)
	}
	for name, tc := range map[string]struct{ template, secret, want string }{
		"not JSON":       {defaultSecretURL, `password=hunter2`, "not JSON"},
		"missing fields": {defaultSecretURL, `{"password":"hunter2","port":5432}`, "host, username"},
		"bad port":       {defaultSecretURL, `{"username":"u","password":"hunter2","host":"h","port":"x"}`, "port"},
		"bad template":   {"mysql://x", `{"username":"u","password":"hunter2","host":"h","port":5432}`, "postgres://"},
	} {
		_, err := secretDatabaseURL(tc.template, tc.secret)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: err = %v, want one naming %q and not the password", name, err, tc.want)
		}
	}
}
