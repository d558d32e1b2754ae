package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/demoapi"
)

func TestDemoAPIPrintsItsCollection(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "demo-api", "--print-collection")
	if r.code != 0 || r.stdout != string(demoapi.ChainCollection) {
		t.Errorf("exit %d, output:\n%s", r.code, r.stdout)
	}
	if r := runCLI(t, "demo-api", "extra"); r.code != 2 {
		t.Errorf("an argument: exit %d, want 2", r.code)
	}
}

func TestDemoAPIServesUntilCancelled(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runDemoAPI(ctx, env{getenv: func(string) string { return "" }, stdout: pw, stderr: io.Discard}, []string{"--addr", "127.0.0.1:0"})
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := strings.Fields(line)[3] // "demo API on http://127.0.0.1:PORT (user …"
	resp, err := http.Post(base+"/login", "application/json", strings.NewReader(`{"user":"demo","password":"demo-password"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("login answered %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("demo-api stopped with %v, want a clean shutdown", err)
	}
}
