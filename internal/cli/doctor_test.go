package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/dbtest"
)

// catena doctor exits 0 on a clean database and 1, naming the run, once an
// invariant is broken; /readyz?deep=1 answers 503 with the same violation.
func TestDoctorReportsViolations(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewDBURL(t)
	doctor := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		e := env{stdout: &out, stderr: &errb, getenv: func(k string) string {
			if k == "DATABASE_URL" {
				return dbURL
			}
			return ""
		}}
		err := runDoctor(context.Background(), e, args)
		var exit *ExitError
		switch {
		case err == nil:
			return out.String(), 0
		case errors.As(err, &exit):
			return out.String() + exit.Err.Error(), exit.Code
		}
		t.Fatalf("doctor: %v", err)
		return "", 0
	}
	mux := http.NewServeMux()
	mountHealth(mux, pool)
	deep := func() (int, string) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz?deep=1", nil))
		return rec.Code, rec.Body.String()
	}

	if out, code := doctor(); code != 0 || !strings.Contains(out, "ok: no violation") {
		t.Fatalf("clean database: exit %d, %q", code, out)
	}
	if code, body := deep(); code != http.StatusOK || !strings.Contains(body, `"ready":true`) {
		t.Fatalf("deep readiness on a clean database: %d %s", code, body)
	}

	var id int64
	if err := pool.QueryRow(context.Background(), `INSERT INTO runs (collection_name, trigger, status, snapshot, idempotency_key, attempt, started_at)
		VALUES ('c', 'manual', 'running', '{"name": "c", "steps": []}', 'doctor-test', 1, now()) RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	out, code := doctor("--since", "1h")
	if code != 1 || !strings.Contains(out, "I2 expired_lease: run ") || !strings.Contains(out, "running without a lease") || !strings.Contains(out, "1 violation(s)") {
		t.Errorf("broken invariant: exit %d, %q", code, out)
	}
	code, body := deep()
	var got struct {
		Ready      bool
		Violations []struct {
			Invariant string
			RunID     int64 `json:"run_id"`
		}
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || code != http.StatusServiceUnavailable || got.Ready ||
		len(got.Violations) != 1 || got.Violations[0].RunID != id || got.Violations[0].Invariant != "I2" {
		t.Errorf("deep readiness with a violation: %d %s (%v)", code, body, err)
	}
	if _, code := doctor("extra"); code != 2 {
		t.Errorf("doctor with an argument: exit %d; want 2", code)
	}
}
