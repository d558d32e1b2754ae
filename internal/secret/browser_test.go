package secret

import (
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// The redaction pass over a step result covers what a browser step saw.
func TestStepResultRedactsBrowserDetails(t *testing.T) {
	t.Parallel()
	r := NewRedactor(map[string]string{"pw": "hunter2-pass"})
	st := collection.StepResult{Browser: &collection.BrowserResult{
		FinalURL:       "http://127.0.0.1/x?p=hunter2-pass",
		Actions:        []collection.ActionResult{{Action: `fill "#pw" with "hunter2-pass"`, Error: "hunter2-pass"}},
		Extracted:      map[string]string{"v": "hunter2-pass"},
		ConsoleErrors:  []string{"leaked hunter2-pass"},
		FailedRequests: []collection.FailedRequest{{URL: "http://127.0.0.1/?q=hunter2-pass", Error: "hunter2-pass"}},
	}}
	orig := st.Browser
	r.StepResult(&st)
	b := st.Browser
	all := b.FinalURL + b.Actions[0].Action + b.Actions[0].Error + b.Extracted["v"] + b.ConsoleErrors[0] + b.FailedRequests[0].URL + b.FailedRequests[0].Error
	if strings.Contains(all, "hunter2-pass") || !strings.Contains(all, collection.Redacted) {
		t.Errorf("browser details after redaction: %+v", b)
	}
	if orig.ConsoleErrors[0] != "leaked hunter2-pass" {
		t.Error("the pass changed the result it was given instead of a copy")
	}
}
