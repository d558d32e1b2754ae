package cli

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/catena-monitor/catena/collectionrunner"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/netguard"
)

// newBrowser builds the process's browser for browser steps from
// CATENA_BROWSER's value: nil when it is "off" (browser steps then error
// saying so). Nothing starts until the first browser step.
func newBrowser(path string, concurrency int, guard netguard.Config, log *slog.Logger) *collectionrunner.Browser {
	path = strings.TrimSpace(path)
	if strings.EqualFold(path, collectionrunner.BrowserOff) {
		return nil
	}
	return collectionrunner.NewBrowser(collectionrunner.BrowserConfig{Path: path, MaxConcurrent: concurrency, Guard: guard, Log: log})
}

// writeScreenshots saves the screenshots of a file's browser steps into dir
// (nothing when dir is ""), named FILE-STEP-N-NAME.jpg.
func writeScreenshots(dir string, r *fileResult) error {
	if dir == "" {
		return nil
	}
	base := strings.TrimSuffix(filepath.Base(r.file), filepath.Ext(r.file))
	for _, st := range r.steps {
		if st.Browser == nil {
			continue
		}
		for _, sh := range st.Browser.Screenshots {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return fmt.Errorf("saving screenshots: %w", err)
			}
			name := fmt.Sprintf("%s-%s-%d-%s.jpg", base, st.Name, sh.Position, sh.Name)
			if err := os.WriteFile(filepath.Join(dir, name), sh.Data, 0o600); err != nil {
				return fmt.Errorf("saving screenshot %s: %w", name, err)
			}
		}
	}
	return nil
}

// jsonBrowser is a browser step's detail in `catena run --json` (screenshots
// described, their bytes written only with --screenshots).
type jsonBrowser struct {
	FinalURL       string                     `json:"final_url"`
	Actions        []jsonAction               `json:"actions"`
	Extracted      map[string]string          `json:"extracted,omitempty"`
	ConsoleErrors  []string                   `json:"console_errors"`
	FailedRequests []collection.FailedRequest `json:"failed_requests"`
	TimingsMS      jsonPageTimings            `json:"timings_ms"`
	Screenshots    []jsonScreenshot           `json:"screenshots"`
}

type jsonAction struct {
	Index      int     `json:"index"`
	Action     string  `json:"action"`
	Status     string  `json:"status"`
	Error      string  `json:"error,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

type jsonPageTimings struct {
	DOMContentLoaded float64 `json:"dom_content_loaded"`
	Load             float64 `json:"load"`
	LCP              float64 `json:"lcp"`
}

type jsonScreenshot struct {
	Name   string `json:"name"`
	Action int    `json:"action"`
	Auto   bool   `json:"auto"`
	MIME   string `json:"mime"`
	Size   int    `json:"size"`
}

func browserJSON(b *collection.BrowserResult) *jsonBrowser {
	if b == nil {
		return nil
	}
	ms := func(d interface{ Seconds() float64 }) float64 { return float64(int64(d.Seconds()*1e6)) / 1e3 }
	out := &jsonBrowser{
		FinalURL: b.FinalURL, Actions: []jsonAction{}, Extracted: b.Extracted,
		ConsoleErrors: append([]string{}, b.ConsoleErrors...), FailedRequests: append([]collection.FailedRequest{}, b.FailedRequests...),
		TimingsMS:   jsonPageTimings{DOMContentLoaded: ms(b.Timings.DOMContentLoaded), Load: ms(b.Timings.Load), LCP: ms(b.Timings.LCP)},
		Screenshots: []jsonScreenshot{},
	}
	for _, a := range b.Actions {
		out.Actions = append(out.Actions, jsonAction{Index: a.Index, Action: a.Action, Status: string(a.Status), Error: a.Error, DurationMS: ms(a.Duration)})
	}
	for _, s := range b.Screenshots {
		out.Screenshots = append(out.Screenshots, jsonScreenshot{Name: s.Name, Action: s.Action, Auto: s.Auto, MIME: s.MIME, Size: s.Size})
	}
	return out
}
