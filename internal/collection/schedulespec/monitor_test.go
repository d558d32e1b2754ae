package schedulespec

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// TestCheckMonitor: the schedule's problems are reported together with the
// monitor's other fields, and a valid monitor yields its parsed schedule.
func TestCheckMonitor(t *testing.T) {
	t.Parallel()
	good := collection.Monitor{Name: "checkout", Schedule: "every  5m", CollectionIDs: []collection.CollectionID{1}}
	good.Normalize()
	s, err := CheckMonitor(&good)
	if err != nil || s.Every() != 5*time.Minute {
		t.Fatalf("CheckMonitor(good) = %v, %v", s, err)
	}

	bad := collection.Monitor{Name: "", Schedule: "every 5s", TimeZone: "UTC", Locations: []string{"EU West"}}
	bad.Normalize()
	_, err = CheckMonitor(&bad)
	var ve *collection.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, collection.ErrInvalid) {
		t.Fatalf("CheckMonitor(bad) = %v, want a *collection.ValidationError", err)
	}
	paths := map[string]bool{}
	for _, f := range ve.Fields {
		paths[f.Path] = true
	}
	for _, p := range []string{"name", "schedule", "locations[0]"} {
		if !paths[p] {
			t.Errorf("no error at %s in %v", p, err)
		}
	}

	badTZ := collection.Monitor{Name: "x", Schedule: "0 9 * * *", TimeZone: "Nowhere/Land"}
	badTZ.Normalize()
	if _, err := CheckMonitor(&badTZ); err == nil || !strings.Contains(err.Error(), "timeZone") {
		t.Errorf("CheckMonitor with a bad zone = %v", err)
	}
}
