package schedulespec

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the next slots in testdata/cron-corpus.json from this engine")

// corpusFile is shared with the GUI's preview test
// (frontend/src/features/monitors/cron-corpus.test.ts).
const corpusFile = "testdata/cron-corpus.json"

type corpusCase struct {
	Name     string   `json:"name"`
	Schedule string   `json:"schedule"`
	TimeZone string   `json:"timeZone"`
	From     string   `json:"from"`
	Count    int      `json:"count,omitempty"`
	Next     []string `json:"next"`
}

type corpusRejected struct {
	Schedule string `json:"schedule"`
	TimeZone string `json:"timeZone"`
}

type corpus struct {
	About    string           `json:"about"`
	Cases    []corpusCase     `json:"cases"`
	Rejected []corpusRejected `json:"rejected"`
}

// nextSlots lists the first n slots strictly after from that fire.
func nextSlots(s Schedule, from time.Time, n int) []string {
	out := make([]string, 0, n)
	for at := from; len(out) < n; {
		at = s.Next(at)
		if at.IsZero() {
			break
		}
		out = append(out, at.UTC().Format(time.RFC3339))
	}
	return out
}

// TestCronCorpus: the server engine gives the next slots the shared corpus
// lists, and refuses what it lists as rejected. The GUI's preview is checked
// against the same file, so the two cannot drift apart unnoticed.
func TestCronCorpus(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(corpusFile)
	if err != nil {
		t.Fatal(err)
	}
	var c corpus
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("%s: %v", corpusFile, err)
	}
	if len(c.Cases) < 15 {
		t.Fatalf("%s has %d cases; want the full corpus", corpusFile, len(c.Cases))
	}
	for i := range c.Cases {
		cc := &c.Cases[i]
		s, err := Parse(cc.Schedule, cc.TimeZone)
		if err != nil {
			t.Errorf("%s: Parse(%q, %q): %v", cc.Name, cc.Schedule, cc.TimeZone, err)
			continue
		}
		from, err := time.Parse(time.RFC3339, cc.From)
		if err != nil {
			t.Fatalf("%s: from: %v", cc.Name, err)
		}
		n := cc.Count
		if n == 0 {
			n = 5
		}
		got := nextSlots(s, from, n)
		if *update {
			cc.Next = got
			continue
		}
		if !slices.Equal(got, cc.Next) {
			t.Errorf("%s: %q in %s after %s\n got  %v\n want %v", cc.Name, cc.Schedule, cc.TimeZone, cc.From, got, cc.Next)
		}
	}
	for _, r := range c.Rejected {
		if _, err := Parse(r.Schedule, r.TimeZone); err == nil {
			t.Errorf("Parse(%q, %q) accepted a schedule the corpus lists as rejected", r.Schedule, r.TimeZone)
		}
	}
	if *update {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		if err := enc.Encode(c); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(corpusFile, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
