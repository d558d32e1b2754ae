package collection

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestValidSlug(t *testing.T) {
	t.Parallel()
	for slug, want := range map[string]bool{
		"acme": true, "acme-api": true, "a1b": true, "123": true, strings.Repeat("a", 64): true,
		"ab": false, strings.Repeat("a", 65): false, "Acme": false, "acme_api": false, "-acme": false, "acme-": false,
		"acme--api": false, "ac me": false, "acmé": false, "": false, "acme/x": false, "../x": false,
	} {
		if got := ValidSlug(slug); got != want {
			t.Errorf("ValidSlug(%q) = %v, want %v", slug, got, want)
		}
	}
}

// Every slug ValidSlug accepts is safe in a URL path as it is, and matches
// the database's CHECK (migrations/007_status_pages.sql).
func FuzzValidSlug(f *testing.F) {
	for _, s := range []string{"acme", "a-b-c", "A", "a--b", "-", "ü-x", "%2e%2e", strings.Repeat("z", 70)} {
		f.Add(s)
	}
	db := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidSlug(s) {
			return
		}
		if !db.MatchString(s) || len(s) < 3 || len(s) > 64 || strings.ContainsAny(s, "/?#%.") {
			t.Fatalf("accepted %q", s)
		}
	})
}

func TestStatusPageValidateNamesEachField(t *testing.T) {
	t.Parallel()
	p := &StatusPage{Slug: " Bad Slug ", Title: "  ", Description: strings.Repeat("d", MaxStatusDescription+1), Groups: []StatusGroup{
		{Name: "ok", Monitors: []StatusMonitor{{MonitorID: 1}, {MonitorID: 2, DisplayName: strings.Repeat("n", 201)}}},
		{Name: "", Monitors: []StatusMonitor{{MonitorID: 1}}},
	}}
	p.Normalize()
	err := p.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	var paths []string
	for _, f := range ve.Fields {
		paths = append(paths, f.Path)
	}
	want := []string{"slug", "title", "description", "groups[0].monitors[1].displayName", "groups[1].name", "groups[1].monitors[0].monitorId"}
	if !slices.Equal(paths, want) {
		t.Errorf("paths %v, want %v", paths, want)
	}
	if !strings.Contains(err.Error(), `"Bad Slug"`) || !strings.Contains(err.Error(), "groups[0].monitors[0]") {
		t.Errorf("messages do not name the value and the first place: %v", err)
	}

	ok := &StatusPage{Slug: "acme", Title: "Acme", Groups: []StatusGroup{{Name: "g", Monitors: []StatusMonitor{{MonitorID: 1}, {MonitorID: 2}}}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if ids := ok.MonitorIDs(); !slices.Equal(ids, []MonitorID{1, 2}) {
		t.Errorf("MonitorIDs %v", ids)
	}
	var many []StatusMonitor
	for i := range MaxStatusMonitors + 1 {
		many = append(many, StatusMonitor{MonitorID: MonitorID(i + 1)})
	}
	if err := (&StatusPage{Slug: "acme", Title: "A", Groups: []StatusGroup{{Name: "g", Monitors: many}}}).Validate(); err == nil {
		t.Error("a page of 101 monitors was accepted")
	}
}
