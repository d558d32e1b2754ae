package collection

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTags(t *testing.T) {
	t.Parallel()
	if got := NormalizeTags([]string{" Prod ", "team-payments", "prod", "", "EU/West"}); !slices.Equal(got, []string{"prod", "team-payments", "eu/west"}) {
		t.Errorf("NormalizeTags = %q", got)
	}
	tests := []struct {
		tags []string
		bad  string // the path of the first problem, "" when valid
	}{
		{[]string{"prod", "team-payments", "v2.1", "eu_west", "a/b"}, ""},
		{[]string{"prod", "has space"}, "tags[1]"},
		{[]string{"-leading"}, "tags[0]"},
		{[]string{"trailing-"}, "tags[0]"},
		{[]string{"double--dash"}, "tags[0]"},
		{[]string{strings.Repeat("a", MaxTagLen+1)}, "tags[0]"},
		{[]string{"UPPER"}, "tags[0]"}, // Validate runs after NormalizeTags; upper case left over is refused
		{slices.Repeat([]string{"x"}, MaxTags+1), "tags"},
	}
	for _, tt := range tests {
		err := ValidateTags("tags", tt.tags)
		switch {
		case tt.bad == "" && err != nil:
			t.Errorf("ValidateTags(%q) = %v", tt.tags, err)
		case tt.bad != "":
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Path != tt.bad || !strings.Contains(ve.Fields[0].Message, "tag") {
				t.Errorf("ValidateTags(%q) = %v, want a problem on %s", tt.tags, err, tt.bad)
			}
		}
	}
}

func TestWindowCoversAndMute(t *testing.T) {
	t.Parallel()
	w := MaintenanceWindow{MonitorIDs: []MonitorID{3}, Tag: "db"}
	for _, tt := range []struct {
		id   MonitorID
		tags []string
		want bool
	}{{3, nil, true}, {4, []string{"web", "db"}, true}, {4, []string{"web"}, false}} {
		if got := w.Covers(tt.id, tt.tags); got != tt.want {
			t.Errorf("Covers(%d, %q) = %v", tt.id, tt.tags, got)
		}
	}
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c := CollectionID(7)
	whole := Mute{Until: t0.Add(time.Hour)}
	one := Mute{Until: t0.Add(time.Hour), CollectionID: &c}
	if !whole.Covers(8, t0) || !one.Covers(7, t0) || one.Covers(8, t0) || whole.Covers(7, t0.Add(time.Hour)) {
		t.Error("mute coverage is wrong")
	}
}
